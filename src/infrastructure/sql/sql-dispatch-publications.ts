import { Kysely } from 'kysely';
import { DispatchPublications } from '../../application/ports/dispatch-publications.port';
import { ReadModelDatabase } from './schema';
import { SqlCheckpoints } from './sql-checkpoints';

/** The dispatch saga's own state: which attempt of each request left for the connector, and when. */
export class SqlDispatchPublications implements DispatchPublications {
  constructor(
    private readonly db: Kysely<ReadModelDatabase>,
    private readonly checkpoints: SqlCheckpoints,
  ) {}

  async record(checkpointName: string, position: bigint | null, requestId: string, attempt: number, publishedAt: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const values = { request_id: requestId, attempt, published_at: publishedAt.toISOString() };
      await trx
        .insertInto('dispatch_publications')
        .values(values)
        .onConflict((oc) =>
          oc
            .column('request_id')
            .doUpdateSet({ attempt, published_at: values.published_at })
            .where('dispatch_publications.attempt', '<=', attempt),
        )
        .execute();
      if (position !== null) await this.checkpoints.write(trx, checkpointName, position);
    });
  }
}
