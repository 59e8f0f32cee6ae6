import { Kysely } from 'kysely';
import { EFFECTIVE_FROM_THE_START, ProviderStatus } from '../../domain/conax-provider/conax-provider.decider';
import { ProviderGate } from '../../application/ports/provider-gate.port';
import { ReadModelDatabase } from './schema';

/** One row, `conax_provider_state`, in the read model's database. */
export class SqlProviderGate implements ProviderGate {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async mirror(status: ProviderStatus): Promise<void> {
    const values = { id: 1, state: status.state, reason: status.reason, since: status.since };
    await this.db
      .insertInto('conax_provider_state')
      .values(values)
      .onConflict((oc) => oc.column('id').doUpdateSet({ state: values.state, reason: values.reason, since: values.since }))
      .execute();
  }

  async status(): Promise<ProviderStatus> {
    const row = await this.db.selectFrom('conax_provider_state').select(['state', 'reason', 'since']).where('id', '=', 1).executeTakeFirst();
    return row ? { state: row.state, reason: row.reason, since: row.since } : EFFECTIVE_FROM_THE_START;
  }
}
