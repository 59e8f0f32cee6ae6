import { Kysely } from 'kysely';
import { ConnectorLedger } from '../../application/ports/connector-ledger.port';
import { OutcomeMessage } from '../../application/processing/messages';
import { ReadModelDatabase } from './schema';

/** The connector's outcome ledger in SQL; the first outcome recorded for a request stays. */
export class SqlConnectorLedger implements ConnectorLedger {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async find(requestId: string): Promise<OutcomeMessage | null> {
    const row = await this.db
      .selectFrom('connector_outcomes')
      .select('outcome')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.outcome) as OutcomeMessage) : null;
  }

  async record(outcome: OutcomeMessage): Promise<void> {
    await this.db
      .insertInto('connector_outcomes')
      .values({ request_id: outcome.request_id, outcome: JSON.stringify(outcome), recorded_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('request_id').doNothing())
      .execute();
  }
}
