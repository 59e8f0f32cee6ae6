import Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  SubscribeOptions,
  SubscriptionItem,
  WrongExpectedRevisionError,
} from '../../application/ports/event-store.port';
import { SequenceAllocator, SequenceName } from '../../application/ports/sequence-allocator.port';
import { AppendSignal, streamPrefixPattern } from '../append-signal';
import { BatchedSequences } from '../batched-sequences';
import { GroupCommit, PendingAppend } from '../group-commit';

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
  private readonly db: Database.Database;
  private readonly appended = new AppendSignal();
  /** Prepared once: preparing is a measurable share of an append's cost (see BENCHMARKS.md). */
  private readonly statements: ReturnType<SqliteEventStore['prepareStatements']>;
  private readonly groups = new GroupCommit((group) => this.writeGroup(group));
  private readonly appendGroup: Database.Transaction<(group: readonly PendingAppend[], outcomes: Array<{ result: AppendResult } | { error: unknown }>) => void>;

  constructor(file: string) {
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.defaultSafeIntegers(true);
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
    this.statements = this.prepareStatements();
    const appendOne = this.db.transaction((append: PendingAppend) => this.appendOne(append.streamId, append.events, append.expected));
    this.appendGroup = this.db.transaction((group: readonly PendingAppend[], outcomes: Array<{ result: AppendResult } | { error: unknown }>) => {
      for (const append of group) {
        try {
          outcomes.push({ result: appendOne(append) });
        } catch (error) {
          outcomes.push({ error }); // rolled back to its savepoint; the others stay
        }
      }
    });
  }

  private prepareStatements() {
    return {
      currentRevision: this.db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?'),
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      readStream: this.db.prepare('SELECT * FROM events WHERE stream_id = ? ORDER BY revision'),
      readLast: this.db.prepare('SELECT * FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      page: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      advanceSequence: this.db.prepare(
        `INSERT INTO sequences (name, value) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
         RETURNING value`,
      ),
    };
  }

  /** Group commit (see GroupCommit): each append of a group runs in its own savepoint of the group's transaction. */
  appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.groups.append(streamId, events, expected);
  }

  private async writeGroup(group: readonly PendingAppend[]): Promise<Array<AppendResult | Error>> {
    const outcomes: Array<{ result: AppendResult } | { error: unknown }> = [];
    try {
      this.appendGroup.immediate(group, outcomes);
    } catch (error) {
      return group.map((append) => this.translate(error, append.streamId, append.expected));
    }
    this.appended.notify();
    return group.map((append, i) => {
      const outcome = outcomes[i];
      return 'result' in outcome ? outcome.result : this.translate(outcome.error, append.streamId, append.expected);
    });
  }

  /** One append under the write lock; as a nested transaction it runs in a savepoint of the group's. */
  private appendOne(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendResult {
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
    return { nextRevision: revision, position };
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
      .get(...streamPrefixes.map(streamPrefixPattern)) as { position: bigint } | undefined;
    return row ? BigInt(row.position) : null;
  }

  private readonly sequences = new BatchedSequences(async (name, count) => {
    const row = this.statements.advanceSequence.get(name, count) as { value: bigint };
    return BigInt(row.value);
  });

  next(name: SequenceName): Promise<bigint> {
    return this.sequences.next(name);
  }

  async close(): Promise<void> {
    this.appended.notify();
    if (this.db.open) this.db.close();
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

