import { Kysely } from 'kysely';
import { ClaimResult, ConnectorLedger } from '../../application/ports/connector-ledger.port';
import { FinalOutcome } from '../../application/ports/outcome-message';
import { ReadModelDatabase } from './schema';

/** The connector's ledger in SQL: claims before Conax calls, outcomes before publishing (the first one stays). */
export class SqlConnectorLedger implements ConnectorLedger {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async find(requestId: string): Promise<FinalOutcome | null> {
    const row = await this.db
      .selectFrom('connector_outcomes')
      .select('outcome')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.outcome) as FinalOutcome) : null;
  }

  async record(outcome: FinalOutcome): Promise<void> {
    await this.db
      .insertInto('connector_outcomes')
      .values({ request_id: outcome.request_id, outcome: JSON.stringify(outcome), recorded_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('request_id').doNothing())
      .execute();
  }

  async claim(requestId: string, owner: string, now: Date, staleAt: Date): Promise<ClaimResult> {
    const at = now.toISOString();
    const inserted = await this.db
      .insertInto('connector_claims')
      .values({ request_id: requestId, owner, claimed_at: at, stale_at: staleAt.toISOString() })
      .onConflict((oc) => oc.column('request_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return 'new';
    const current = await this.db.selectFrom('connector_claims').selectAll().where('request_id', '=', requestId).executeTakeFirst();
    if (!current) return this.claim(requestId, owner, now, staleAt);
    const stale = new Date(current.stale_at).getTime() <= now.getTime();
    if (current.owner !== owner && !stale) return 'held';
    // Take it over only if nobody else did in between (compare-and-set on the claim we read).
    const taken = await this.db
      .updateTable('connector_claims')
      .set({ owner, claimed_at: at, stale_at: staleAt.toISOString() })
      .where('request_id', '=', requestId)
      .where('owner', '=', current.owner)
      .where('claimed_at', '=', current.claimed_at)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? 'resumed' : 'held';
  }

  async release(requestId: string, owner: string, now: Date): Promise<void> {
    await this.db
      .updateTable('connector_claims')
      .set({ stale_at: now.toISOString() })
      .where('request_id', '=', requestId)
      .where('owner', '=', owner)
      .execute();
  }
}
