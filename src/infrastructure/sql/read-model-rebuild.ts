import { Logger } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import { EventStore, RecordedEvent } from '../../application/ports/event-store.port';
import { EventCodec } from '../../application/event-codec';
import { REQUEST_VIEW_PROJECTION, projectEvents } from '../../application/read-model/request-view.projection';
import { PROVISIONING_REQUEST_STREAM_PREFIX } from '../../domain/provisioning-request';
import { ReadModelDatabase, createRequestViewTable } from './schema';
import { SqlCheckpoints } from './sql-checkpoints';
import { SqlRequestViews, VIEW_ROW_COLUMNS } from './sql-request-views';

const LIVE_TABLE = 'provisioning_requests';
const SWAP_ATTEMPTS = 20;
/** Events projected per transaction while rebuilding. */
const REBUILD_BATCH_SIZE = 1000;

export interface RebuildProgress {
  start(total: number): void;
  update(position: number, eventsPerSecond: number): void;
  stop(): void;
}

export interface Difference {
  id: string;
  kind: 'missing_in_live' | 'extra_in_live' | 'different' | 'live_behind';
}

type AnyDb = Kysely<any>;

/**
 * Rebuilds the request view from the event log into a fresh table beside the live one, through the
 * projection's own code, then swaps it in (rebuild) or compares it with the live one (check).
 */
export class ReadModelRebuild {
  private readonly logger = new Logger(ReadModelRebuild.name);
  private readonly suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  private readonly table = `${LIVE_TABLE}_rb_${this.suffix}`;
  private readonly checkpointName = `${REQUEST_VIEW_PROJECTION}_rb_${this.suffix}`;
  private readonly target: SqlRequestViews;
  private readonly targetCheckpoints: SqlCheckpoints;

  constructor(
    private readonly db: Kysely<ReadModelDatabase>,
    private readonly store: EventStore,
    private readonly codec: EventCodec,
    private readonly progress: RebuildProgress,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.targetCheckpoints = new SqlCheckpoints(db);
    this.target = new SqlRequestViews(db, this.targetCheckpoints, this.table);
  }

  /** Rebuilds and swaps the new table in; returns how many events were projected. */
  async rebuild(): Promise<number> {
    const projected = await this.build();
    for (let attempt = 1; attempt <= SWAP_ATTEMPTS; attempt++) {
      if (await this.trySwap()) return projected;
      await this.catchUp(); // the live projection moved on meanwhile: follow it, then try again
    }
    await this.discard();
    throw new Error('The live projection kept moving ahead of the rebuild; nothing was swapped.');
  }

  /** Rebuilds beside the live table, compares, and drops the rebuild. */
  async check(): Promise<Difference[]> {
    await this.build();
    try {
      return await this.compare();
    } finally {
      await this.discard();
    }
  }

  private async build(): Promise<number> {
    await createRequestViewTable(this.db as AnyDb, this.table, `pr_rb_${this.suffix}`);
    const head = await this.store.headPosition([PROVISIONING_REQUEST_STREAM_PREFIX]);
    this.progress.start(Number(head ?? 0n));
    try {
      return await this.catchUp();
    } finally {
      this.progress.stop();
    }
  }

  /** Projects from the rebuild's checkpoint until the subscription reports it has caught up. */
  private async catchUp(): Promise<number> {
    const controller = new AbortController();
    const started = Date.now();
    let projected = 0;
    const parkedRows = await this.db.selectFrom('parked_events').select('event_id').where('subscriber', '=', REQUEST_VIEW_PROJECTION).execute();
    const parked = new Set(parkedRows.map((r) => r.event_id));
    let batch: RecordedEvent[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await projectEvents(this.target, this.codec, this.checkpointName, batch, this.logger);
      projected += batch.length;
      this.progress.update(Number(batch[batch.length - 1].position), projected / ((Date.now() - started) / 1000 || 1));
      batch = [];
    };
    for await (const item of this.store.subscribeToAll({
      after: await this.targetCheckpoints.checkpoint(this.checkpointName),
      streamPrefixes: [PROVISIONING_REQUEST_STREAM_PREFIX],
      signal: controller.signal,
    })) {
      if (item.kind === 'caught-up') break;
      // What the live projection parked, the rebuild skips too; it still moves the checkpoint with its batch.
      if (parked.has(item.event.eventId)) {
        await flush();
        await this.targetCheckpoints.advanceCheckpoint(this.checkpointName, item.event.position);
        continue;
      }
      batch.push(item.event);
      if (batch.length >= REBUILD_BATCH_SIZE) await flush();
    }
    await flush();
    controller.abort();
    const at = await this.targetCheckpoints.checkpoint(this.checkpointName);
    this.progress.update(Number(at ?? 0n), projected / ((Date.now() - started) / 1000 || 1));
    return projected;
  }

  /**
   * Swaps only when the rebuild is at or past the live checkpoint, checked under a lock on the live
   * checkpoint row and the live table (PostgreSQL) or the write lock (SQLite), so neither the live projection
   * nor an inline write can move in between: afterwards the projection resumes from the rebuild's checkpoint,
   * and events it had applied already are skipped by the revision guard. Rows that appends wrote inline since
   * the rebuild last caught up are newer in the live table; each is a whole view folded from its stream, and
   * is carried over as it is.
   */
  private async trySwap(): Promise<boolean> {
    const postgres = this.dialect === 'postgres';
    return this.db.transaction().execute(async (trx) => {
      // The table first, then the checkpoint row: the order in which the live projection takes them too.
      if (postgres) await sql`LOCK TABLE ${sql.table(LIVE_TABLE)} IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      else await sql`UPDATE projection_checkpoints SET name = name WHERE name = ${REQUEST_VIEW_PROJECTION}`.execute(trx);
      let query = trx.selectFrom('projection_checkpoints').select('position').where('name', '=', REQUEST_VIEW_PROJECTION);
      if (postgres) query = query.forUpdate();
      const live = await query.executeTakeFirst();
      const rebuilt = await trx.selectFrom('projection_checkpoints').select('position').where('name', '=', this.checkpointName).executeTakeFirst();
      const rebuiltAt = BigInt(rebuilt?.position ?? '0');
      if (live && BigInt(live.position) > rebuiltAt) return false;
      const columns = sql.join(VIEW_ROW_COLUMNS.map((column) => sql.ref(column)));
      const updates = sql.join(VIEW_ROW_COLUMNS.map((column) => sql`${sql.ref(column)} = excluded.${sql.ref(column)}`));
      // `WHERE true`: SQLite's parser needs it to tell the upsert's ON CONFLICT from a join's ON.
      await sql`INSERT INTO ${sql.table(this.table)} (${columns}) SELECT ${columns} FROM ${sql.table(LIVE_TABLE)} WHERE true
        ON CONFLICT (id) DO UPDATE SET ${updates} WHERE ${sql.table(this.table)}.revision < excluded.revision`.execute(trx);
      const retired = `${LIVE_TABLE}_old_${this.suffix}`;
      await sql`ALTER TABLE ${sql.table(LIVE_TABLE)} RENAME TO ${sql.table(retired)}`.execute(trx);
      await sql`ALTER TABLE ${sql.table(this.table)} RENAME TO ${sql.table(LIVE_TABLE)}`.execute(trx);
      await sql`DROP TABLE ${sql.table(retired)}`.execute(trx);
      const values = { name: REQUEST_VIEW_PROJECTION, position: rebuiltAt.toString(), updated_at: new Date().toISOString() };
      await trx
        .insertInto('projection_checkpoints')
        .values(values)
        .onConflict((oc) => oc.column('name').doUpdateSet({ position: values.position, updated_at: values.updated_at }))
        .execute();
      await trx.deleteFrom('projection_checkpoints').where('name', '=', this.checkpointName).execute();
      return true;
    });
  }

  private async compare(): Promise<Difference[]> {
    const read = async (table: string) => {
      const rows = await (this.db as AnyDb).selectFrom(table).select(['id', 'revision', 'document']).execute();
      return new Map<string, { revision: bigint; document: unknown }>(
        rows.map((r: { id: string; revision: string | number; document: string }) => [r.id, { revision: BigInt(r.revision), document: JSON.parse(r.document) }]),
      );
    };
    const [live, rebuilt] = [await read(LIVE_TABLE), await read(this.table)];
    const differences: Difference[] = [];
    for (const [id, expected] of rebuilt) {
      const actual = live.get(id);
      if (!actual) differences.push({ id, kind: 'missing_in_live' });
      else if (actual.revision < expected.revision) differences.push({ id, kind: 'live_behind' });
      else if (actual.revision === expected.revision && JSON.stringify(actual.document) !== JSON.stringify(expected.document)) {
        differences.push({ id, kind: 'different' });
      }
    }
    for (const id of live.keys()) if (!rebuilt.has(id)) differences.push({ id, kind: 'extra_in_live' });
    return differences;
  }

  private async discard(): Promise<void> {
    await sql`DROP TABLE IF EXISTS ${sql.table(this.table)}`.execute(this.db);
    await this.db.deleteFrom('projection_checkpoints').where('name', '=', this.checkpointName).execute();
  }
}
