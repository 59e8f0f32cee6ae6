import Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  ExpectedRevision,
  NewEvent,
  NewStreamAppend,
  RecordedEvent,
  SubscribeOptions,
  SubscriptionItem,
  WrongExpectedRevisionError,
} from '../../application/ports/event-store.port';
import { SequenceAllocator, SequenceName } from '../../application/ports/sequence-allocator.port';
import { AppendSignal, streamPrefixPattern } from '../append-signal';
import { BatchedSequences } from '../batched-sequences';
import { GroupCommit, PendingAppend } from '../group-commit';
import { ProvisioningRequestView } from '../../application/ports/read-model.port';
import { PreparedStatement } from '../sql/compiled-once';
import { viewRow, ViewRow } from '../sql/sql-request-views';
import { openSqliteFile } from './sqlite-database';

/** The read model's side of a connection the store shares with it. */
export interface SharedConnection {
  /** Runs `work` holding the read model's connection (no read-model transaction is open meanwhile). */
  exclusive<T>(work: () => T): Promise<T>;
  /** The request view's upsert, run in each append's transaction with its view. */
  viewUpsert: PreparedStatement<ViewRow>;
}

interface EventRow {
  position: number | bigint;
  stream_id: string;
  revision: number | bigint;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

/** Events read per page: small enough that three subscribers behind on full-size requests stay a few MB each. */
const BATCH = 100;
/** Another process may append to the same file: live subscriptions also look every so often. */
const POLL_MS = 250;

/**
 * The embedded event store: one SQLite file in WAL mode. SQLite lets one writer at a time hold the write
 * lock (`BEGIN IMMEDIATE`), so an append reads the stream's revision and inserts under that lock: of two
 * appends at the same expected revision exactly one wins, in one process or across several. Positions are
 * AUTOINCREMENT row ids assigned under the same lock, so they become visible in order, without gaps a
 * subscriber could skip past.
 */
export class SqliteEventStore implements EventStore, SequenceAllocator {
  private readonly appended = new AppendSignal();
  readonly writesViewInline: boolean;
  /** The view's upsert, run inside the append's savepoint. */
  private readonly writeView: Database.Statement | null;
  /** Prepared once: preparing is a measurable share of an append's cost (see BENCHMARKS.md). */
  private readonly statements: ReturnType<SqliteEventStore['prepareStatements']>;
  private readonly groups = new GroupCommit((group) => this.writeGroup(group));
  private readonly appendNew: Database.Transaction<(appends: readonly NewStreamAppend[]) => Array<AppendResult | null>>;
  private readonly appendGroup: Database.Transaction<(group: readonly PendingAppend[], outcomes: Array<{ result: AppendResult } | { error: unknown }>) => void>;

  private readonly db: Database.Database;

  /**
   * `fileOrConnection`: a file of its own, or a connection (see openSqliteFile). With `shared`, the read
   * model lives in the same file on the same connection, and the store writes the request view in its
   * append transactions.
   */
  constructor(
    fileOrConnection: string | Database.Database,
    private readonly shared: SharedConnection | null = null,
  ) {
    this.db = typeof fileOrConnection === 'string' ? openSqliteFile(fileOrConnection) : fileOrConnection;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position    INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id   TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        event_id    TEXT    NOT NULL UNIQUE,
        type        TEXT    NOT NULL,
        data        TEXT    NOT NULL,
        metadata    TEXT    NOT NULL,
        recorded_at TEXT    NOT NULL,
        UNIQUE (stream_id, revision)
      );
      CREATE TABLE IF NOT EXISTS sequences (
        name  TEXT    PRIMARY KEY,
        value INTEGER NOT NULL
      );
    `);
    this.writeView = shared ? this.db.prepare(shared.viewUpsert.sql) : null;
    this.writesViewInline = shared !== null;
    this.statements = this.prepareStatements();
    const appendOne = this.db.transaction((append: PendingAppend) => this.appendOne(append));
    // No savepoint per stream (they were a third of an append's cost): a failure that is not one view's ends the
    // whole write. One prepared statement per row: multi-row statements (100 rows each) were measured slower.
    this.advance = this.db.transaction((name: SequenceName, count: number) => BigInt((this.statements.advanceSequence.get(name, count) as { value: bigint }).value));
    this.appendNew = this.db.transaction((appends: readonly NewStreamAppend[]) => {
      const named = new Set<string>();
      return appends.map((append) => {
        if (named.has(append.streamId)) return null;
        named.add(append.streamId);
        try {
          return this.appendOne({ ...append, expected: 'no_stream' });
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) return null;
          throw error;
        }
      });
    });
    this.appendGroup = this.db.transaction((group: readonly PendingAppend[], outcomes: Array<{ result: AppendResult } | { error: unknown }>) => {
      for (const append of group) {
        try {
          outcomes.push({ result: appendOne(append) });
        } catch (error) {
          // SQLite ends the whole transaction on some failures (a full disk, an I/O error): the appends after
          // it would then commit one by one while the group reports them failed, so the group fails whole.
          if (!this.db.inTransaction) throw error;
          outcomes.push({ error }); // rolled back to its savepoint; the others stay
        }
      }
    });
  }

  /** Every statement reads integers as bigint (positions, revisions), without changing how the shared connection's other users read them. */
  private prepareStatements() {
    const prepare = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    return {
      currentRevision: prepare('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?'),
      insert: prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      readStream: prepare('SELECT * FROM events WHERE stream_id = ? ORDER BY revision'),
      readLast: prepare('SELECT * FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      page: prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      advanceSequence: prepare(
        `INSERT INTO sequences (name, value) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
         RETURNING value`,
      ),
    };
  }

  /** Group commit (see GroupCommit): each append of a group runs in its own savepoint of the group's transaction. */
  appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision, view?: ProvisioningRequestView): Promise<AppendResult> {
    return this.groups.append(streamId, events, expected, this.writesViewInline ? view : undefined);
  }

  /** One transaction for them all (a batch's requests): each stream checked as it is written, an existing one skipped. */
  async appendToNewStreams(appends: readonly NewStreamAppend[]): Promise<Array<AppendResult | null>> {
    let results: Array<AppendResult | null>;
    try {
      results = await this.exclusive(() => this.appendNew.immediate(appends.map((append) => (this.writesViewInline ? append : { ...append, view: undefined }))));
    } catch (error) {
      throw this.translate(error);
    }
    this.appended.notify();
    return results;
  }

  private async writeGroup(group: readonly PendingAppend[]): Promise<Array<AppendResult | Error>> {
    const outcomes: Array<{ result: AppendResult } | { error: unknown }> = [];
    try {
      await this.exclusive(() => this.appendGroup.immediate(group, outcomes));
    } catch (error) {
      return group.map((append) => this.translate(error, append.streamId, append.expected));
    }
    this.appended.notify();
    return group.map((append, i) => {
      const outcome = outcomes[i];
      return 'result' in outcome ? outcome.result : this.translate(outcome.error, append.streamId, append.expected);
    });
  }

  /**
   * Runs `work` while no read-model transaction is open on the connection (when it is shared): better-sqlite3
   * is synchronous, so the work itself is never interleaved, but a Kysely transaction spans awaits, and an
   * append or a sequence step made meanwhile would join it. Every write of the store (a group, new streams, a
   * sequence step) goes through here, and none runs inside a transaction someone left open.
   */
  private exclusive<T>(work: () => T): Promise<T> {
    const guarded = () => {
      // better-sqlite3 runs a transaction inside one already open as a savepoint, released but not committed:
      // a write would be answered as stored while whatever left that transaction open decides its fate.
      if (this.db.inTransaction) throw new Error('a transaction was left open on the connection');
      return work();
    };
    return this.shared ? this.shared.exclusive(guarded) : Promise.resolve().then(guarded);
  }

  /**
   * One append under the write lock; as a nested transaction it runs in a savepoint of the group's. A view
   * that cannot be written is left to the projection that follows the log, and the events are appended all
   * the same: SQLite undoes a failed statement alone (its statement journal) and the transaction goes on, so
   * the upsert needs no savepoint of its own (a savepoint per append was a measurable share of a create).
   */
  private appendOne({ streamId, events, expected, view }: PendingAppend): AppendResult {
    const { currentRevision, insert } = this.statements;
    const row = currentRevision.get(streamId) as { revision: bigint | null };
    const actual = row.revision === null ? ('no_stream' as const) : BigInt(row.revision);
    if (actual !== expected) throw new WrongExpectedRevisionError(streamId, expected, actual);
    let revision = actual === 'no_stream' ? -1n : actual;
    let position = 0n;
    const recordedAt = new Date().toISOString();
    for (const event of events) {
      revision += 1n;
      const result = insert.run(streamId, revision, event.eventId, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), recordedAt);
      position = BigInt(result.lastInsertRowid);
    }
    return { nextRevision: revision, position, viewWritten: view !== undefined && this.writeViewOf(view, revision) };
  }

  private writeViewOf(view: ProvisioningRequestView, revision: bigint): boolean {
    try {
      this.writeView!.run(...this.shared!.viewUpsert.parameters(viewRow(view, revision)));
      return true;
    } catch (error) {
      // Only a failure of this statement alone leaves the view out; one that ended the transaction fails the append.
      if (!this.db.inTransaction) throw error;
      return false;
    }
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    try {
      const rows = this.statements.readStream.all(streamId) as EventRow[];
      return rows.map(toRecorded);
    } catch (error) {
      throw this.translate(error);
    }
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    try {
      const row = this.statements.readLast.get(streamId) as EventRow | undefined;
      return row ? toRecorded(row) : null;
    } catch (error) {
      throw this.translate(error);
    }
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncIterable<SubscriptionItem> {
    const { signal } = options;
    const matches = (streamId: string) => options.streamPrefixes.some((prefix) => streamId.startsWith(prefix));
    const { page } = this.statements;
    let after = options.after ?? 0n;
    let wasCaughtUp = false;
    while (!signal.aborted) {
      const seenBeforeRead = this.appended.seen();
      const rows = page.all(after, BATCH) as EventRow[];
      for (const row of rows) {
        if (signal.aborted) return;
        after = BigInt(row.position);
        if (matches(row.stream_id)) yield { kind: 'event', event: toRecorded(row) };
      }
      if (rows.length === BATCH) continue;
      if (!wasCaughtUp) {
        wasCaughtUp = true;
        yield { kind: 'caught-up', position: after === 0n ? null : after };
      }
      await this.appended.waitAfter(seenBeforeRead, POLL_MS, signal);
    }
  }

  /** Walks the primary key backwards and stops at the first match: cheap, however long the log (metrics and readiness call it). */
  async headPosition(streamPrefixes: readonly string[]): Promise<bigint | null> {
    const clauses = streamPrefixes.map(() => "stream_id LIKE ? ESCAPE '\\'").join(' OR ');
    const row = this.db
      .prepare(`SELECT position FROM events WHERE ${clauses || '1'} ORDER BY position DESC LIMIT 1`)
      .safeIntegers(true)
      .get(...streamPrefixes.map(streamPrefixPattern)) as { position: bigint } | undefined;
    return row ? BigInt(row.position) : null;
  }

  /**
   * A sequence step in a transaction of its own. Not in autocommit: a RETURNING statement read with `get` hands
   * back its row on the first step, and SQLite commits only when the statement is reset, where a failed commit
   * (a full disk) went unreported, so the same values were handed out again and again (two requests with one
   * number; found by the full-disk fault scenario). An explicit COMMIT that fails throws.
   */
  private readonly advance: Database.Transaction<(name: SequenceName, count: number) => bigint>;
  private readonly sequences = new BatchedSequences((name, count) => this.exclusive(() => this.advance.immediate(name, count)));

  next(name: SequenceName): Promise<bigint> {
    return this.sequences.next(name);
  }

  /** Closes the connection, unless it is shared: then its owner (the read model's Kysely) closes it. */
  async close(): Promise<void> {
    this.appended.notify();
    if (!this.shared && this.db.open) this.db.close();
  }

  private translate(error: unknown, streamId?: string, expected?: ExpectedRevision): Error {
    if (error instanceof WrongExpectedRevisionError) return error;
    const code = (error as { code?: string }).code ?? '';
    if (streamId !== undefined && expected !== undefined && code.startsWith('SQLITE_CONSTRAINT')) {
      return new WrongExpectedRevisionError(streamId, expected, 'no_stream');
    }
    return new EventStoreUnavailableError(`SQLite event store: ${(error as Error).message}`, { cause: error });
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    eventId: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}

