import { Expression, Kysely, RawBuilder, SqlBool, expressionBuilder, sql } from 'kysely';
import { LeaseStore } from '../../application/ports/lease.port';
import { ReadModelDatabase } from './schema';

/** The holder's proof, checked on each of its checkpoint writes. */
export interface Fence {
  owner: string;
  token: number;
}

/** This process no longer holds the subscriber's lease: another instance has taken over. */
export class LeaseLostError extends Error {
  constructor(subscriber: string) {
    super(`The lease of ${subscriber} is held by another instance now.`);
    this.name = 'LeaseLostError';
  }
}

/** What a checkpoint writer needs of the leases: the holder's fence and the condition that checks it. */
export type LeaseFence = Pick<SqlLeases, 'fenceOf' | 'stillHeld'>;

/**
 * Leases as rows, taken with one conditional upsert (SQLite and PostgreSQL alike): the row is written only
 * when it is new, ours, or expired, so two instances cannot both hold a lease.
 * - Time is the database's, never an instance's own clock: instances with drifting clocks agree on expiry.
 * - Each change of holder increments a fencing token. The holder's checkpoint writes carry it (`fenceOf`),
 *   so an instance that was paused past its lease, and wakes up believing it still holds it, cannot write
 *   over its successor's work.
 */
export class SqlLeases implements LeaseStore {
  private readonly held = new Map<string, Fence>();

  constructor(
    private readonly db: Kysely<ReadModelDatabase>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.instant(0);
    const expiresAt = this.instant(ttlMs);
    const row = await this.db
      .insertInto('subscriber_leases')
      .values({ name, owner, expires_at: expiresAt, token: 1 })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({
            expires_at: expiresAt,
            token: sql<number>`CASE WHEN subscriber_leases.owner = ${owner} THEN subscriber_leases.token ELSE subscriber_leases.token + 1 END`,
            owner,
          })
          .where((eb) => eb.or([eb('subscriber_leases.owner', '=', owner), eb('subscriber_leases.expires_at', '<', now)])),
      )
      .returning('token')
      .executeTakeFirst();
    // Lost or never had: an old fence stays, so whatever this process still writes for it is refused.
    if (!row) return false;
    this.held.set(name, { owner, token: Number(row.token) });
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    this.held.delete(name);
    await this.db.deleteFrom('subscriber_leases').where('name', '=', name).where('owner', '=', owner).execute();
  }

  /** The fence of the lease `name` while this process holds (or last held) it; null for names never leased here. */
  fenceOf(name: string): Fence | null {
    return this.held.get(name) ?? null;
  }

  /**
   * The condition a holder's checkpoint write carries (that write is one statement, or the last of its
   * transaction): the lease row still names this holder with its token. On PostgreSQL the row is read under
   * a share lock, so a takeover waits until the writer's transaction ends. A write whose condition fails
   * changes nothing, and the writer raises LeaseLostError, which rolls back the rest of its transaction.
   */
  stillHeld(db: Kysely<ReadModelDatabase>, fence: { name: string; owner: string; token: number }): Expression<SqlBool> {
    const row = db.selectFrom('subscriber_leases').select('name').where('name', '=', fence.name).where('owner', '=', fence.owner).where('token', '=', fence.token);
    return expressionBuilder<ReadModelDatabase, never>().exists(this.dialect === 'postgres' ? row.forShare() : row);
  }

  /** The database's time plus `offsetMs`, as the ISO-8601 text the lease rows store. */
  private instant(offsetMs: number): RawBuilder<string> {
    const seconds = (offsetMs / 1000).toFixed(3);
    return this.dialect === 'sqlite'
      ? sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`+${seconds} seconds`})`
      : sql<string>`to_char((clock_timestamp() + ${`${seconds} seconds`}::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }
}
