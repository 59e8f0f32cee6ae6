import { Kysely } from 'kysely';
import { LeaseStore } from '../../application/ports/lease.port';
import { ReadModelDatabase } from './schema';

/**
 * Leases as rows, taken with one conditional upsert (SQLite and PostgreSQL alike): the row is written only
 * when it is new, ours, or expired, so two instances cannot both hold a lease.
 */
export class SqlLeases implements LeaseStore {
  constructor(private readonly db: Kysely<ReadModelDatabase>) {}

  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const result = await this.db
      .insertInto('subscriber_leases')
      .values({ name, owner, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, expires_at: expiresAt })
          .where((eb) =>
            eb.or([eb('subscriber_leases.owner', '=', owner), eb('subscriber_leases.expires_at', '<', now.toISOString())]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db.deleteFrom('subscriber_leases').where('name', '=', name).where('owner', '=', owner).execute();
  }
}
