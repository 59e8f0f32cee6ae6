import { Kysely, RawBuilder, sql } from 'kysely';
import { LeaseStore } from '../../application/ports/lease.port';
import { CompiledOnce } from './compiled-once';
import { ReadModelDatabase } from './schema';

/** The holder's proof, checked on each of its checkpoint writes. */
interface Fence {
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

/** Checks, inside a writer's transaction, that it may still write for `name` (see SqlLeases.assertHolder). */
export type LeaseFence = (trx: Kysely<ReadModelDatabase>, name: string) => Promise<void>;

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
  /** Run in every checkpoint write's transaction: compiled once (see CompiledOnce). */
  private readonly fenceRow = new CompiledOnce((db, v: { name: string; owner: string; token: number }) => {
    const query = db.selectFrom('subscriber_leases').select('name').where('name', '=', v.name).where('owner', '=', v.owner).where('token', '=', v.token);
    return this.dialect === 'postgres' ? query.forShare() : query;
  });

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

  /**
   * In the caller's transaction: when this process has held the lease `name`, the lease row must still name
   * it with its token (read under a share lock on PostgreSQL, so a takeover waits for the transaction), else
   * LeaseLostError fails the whole transaction. Names never leased here (a rebuild's checkpoint) pass.
   */
  readonly assertHolder: LeaseFence = async (trx, name) => {
    const fence = this.held.get(name);
    if (!fence) return;
    if (!(await this.fenceRow.first(trx, { name, owner: fence.owner, token: fence.token }))) throw new LeaseLostError(name);
  };

  /** The database's time plus `offsetMs`, as the ISO-8601 text the lease rows store. */
  private instant(offsetMs: number): RawBuilder<string> {
    const seconds = (offsetMs / 1000).toFixed(3);
    return this.dialect === 'sqlite'
      ? sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`+${seconds} seconds`})`
      : sql<string>`to_char((clock_timestamp() + ${`${seconds} seconds`}::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }
}
