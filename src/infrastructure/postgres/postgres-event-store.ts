import { Pool, PoolClient } from 'pg';
import {
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  SubscribeOptions,
  SubscriptionItem,
  WrongExpectedRevisionError, NewStreamAppend } from '../../application/ports/event-store.port';
import { appendEachToNewStream } from '../append-each';
import { SequenceAllocator, SequenceName } from '../../application/ports/sequence-allocator.port';
import { AppendSignal, streamPrefixPattern } from '../append-signal';
import { BatchedSequences } from '../batched-sequences';
import { GroupCommit, PendingAppend } from '../group-commit';
import { ProvisioningRequestView } from '../../application/ports/read-model.port';
import { VIEW_ROW_COLUMNS, viewRow } from '../sql/sql-request-views';

interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
}

const BATCH = 500;
const POLL_MS = 500;

/** One append's answer from es_append_group. */
type GroupResult = { position: string; revision: string; view: boolean } | { conflict: true; actual: string | null } | { error: string; code: string };
const CHANNEL = 'conax_es_appended';

/** The inline view write (see EventStore.writesViewInline): the whole row from the append's `view`, newer revisions only. */
const VIEW_UPSERT_SQL = `
  INSERT INTO provisioning_requests SELECT * FROM jsonb_populate_record(NULL::provisioning_requests, v_append -> 'view')
  ON CONFLICT (id) DO UPDATE SET (${VIEW_ROW_COLUMNS.join(', ')}) = ROW(${VIEW_ROW_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ')})
  WHERE provisioning_requests.revision < EXCLUDED.revision`;

const SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS es_streams (
    stream_id TEXT PRIMARY KEY,
    revision  BIGINT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS es_events (
    position       BIGSERIAL PRIMARY KEY,
    stream_id      TEXT        NOT NULL,
    revision       BIGINT      NOT NULL,
    event_id       TEXT        NOT NULL UNIQUE,
    type           TEXT        NOT NULL,
    data           JSONB       NOT NULL,
    metadata       JSONB       NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    transaction_id XID8        NOT NULL DEFAULT pg_current_xact_id(),
    UNIQUE (stream_id, revision)
  );
  CREATE TABLE IF NOT EXISTS es_sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
  );
  -- Gives the calling transaction its transaction id and n positions inside one short critical section, so
  -- that position order is transaction-id order: a subscriber that reads only below the oldest running
  -- transaction can then never pass a position that a running transaction will still fill. The lock is
  -- held for microseconds (one statement), not until commit.
  CREATE OR REPLACE FUNCTION es_allocate_positions(n integer) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
  DECLARE
    lock_key bigint := hashtext(current_schema() || ':es_positions');
    positions bigint[];
  BEGIN
    PERFORM pg_advisory_lock(lock_key);
    BEGIN
      PERFORM pg_current_xact_id();
      SELECT array_agg(nextval(pg_get_serial_sequence('es_events', 'position'))) INTO positions FROM generate_series(1, n);
    EXCEPTION WHEN OTHERS THEN
      PERFORM pg_advisory_unlock(lock_key);
      RAISE;
    END;
    PERFORM pg_advisory_unlock(lock_key);
    RETURN positions;
  END
  $fn$;
  -- Group commit: the appends gathered from one turn of the service's event loop, in one transaction and one
  -- round trip. Each append claims its stream row (insert for no_stream, compare-and-set otherwise) and
  -- writes its events inside its own subtransaction, so a conflict or a failure undoes that append alone.
  -- An append that carries its stream's request view writes it too (the inline projection), in a
  -- subtransaction of its own: a view no column can hold is left out (view: false), the events stay.
  -- Answers one result per append, in order: {position, revision, view}, {conflict, actual} or {error}.
  CREATE OR REPLACE FUNCTION es_append_group(appends jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
  DECLARE
    v_positions bigint[];
    v_next integer := 1;
    v_append jsonb;
    v_event jsonb;
    v_stream text;
    v_expected bigint;
    v_last bigint;
    v_claimed bigint;
    v_actual bigint;
    v_revision bigint;
    v_position bigint;
    v_view boolean;
    v_results jsonb := '[]'::jsonb;
  BEGIN
    v_positions := es_allocate_positions(
      (SELECT coalesce(sum(jsonb_array_length(a -> 'events')), 0)::integer FROM jsonb_array_elements(appends) AS a)
    );
    FOR v_append IN SELECT value FROM jsonb_array_elements(appends) LOOP
      v_stream := v_append ->> 'stream_id';
      v_expected := (v_append ->> 'expected')::bigint;
      v_last := coalesce(v_expected, -1) + jsonb_array_length(v_append -> 'events');
      BEGIN
        v_claimed := NULL;
        IF v_expected IS NULL THEN
          INSERT INTO es_streams (stream_id, revision) VALUES (v_stream, v_last) ON CONFLICT DO NOTHING RETURNING revision INTO v_claimed;
        ELSE
          UPDATE es_streams SET revision = v_last WHERE stream_id = v_stream AND revision = v_expected RETURNING revision INTO v_claimed;
        END IF;
        IF v_claimed IS NULL THEN
          SELECT revision INTO v_actual FROM es_streams WHERE stream_id = v_stream;
          v_results := v_results || jsonb_build_array(jsonb_build_object('conflict', true, 'actual', v_actual::text));
        ELSE
          v_revision := coalesce(v_expected, -1);
          FOR v_event IN SELECT value FROM jsonb_array_elements(v_append -> 'events') LOOP
            v_revision := v_revision + 1;
            v_position := v_positions[v_next];
            v_next := v_next + 1;
            INSERT INTO es_events (position, stream_id, revision, event_id, type, data, metadata)
            VALUES (v_position, v_stream, v_revision, v_event ->> 'event_id', v_event ->> 'type', v_event -> 'data', v_event -> 'metadata');
          END LOOP;
          v_view := false;
          IF v_append ? 'view' THEN
            BEGIN
              ${VIEW_UPSERT_SQL};
              v_view := true;
            EXCEPTION WHEN OTHERS THEN
              v_view := false;
            END;
          END IF;
          v_results := v_results || jsonb_build_array(jsonb_build_object('position', v_position::text, 'revision', v_revision::text, 'view', v_view));
        END IF;
      EXCEPTION WHEN OTHERS THEN
        v_results := v_results || jsonb_build_array(jsonb_build_object('error', SQLERRM, 'code', SQLSTATE));
      END;
    END LOOP;
    PERFORM pg_notify('${CHANNEL}', '');
    RETURN v_results;
  END
  $fn$;
`;

function isConnectionProblem(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return /^(08|57P|53)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'].includes(code);
}

/**
 * The event store on PostgreSQL, for teams without EventStoreDB.
 * - Appends lock the stream's row in `es_streams` (insert for `no_stream`, compare-and-set update for a
 *   revision), so concurrent appends from any number of processes serialize per stream and exactly one of
 *   two at the same expected revision wins.
 * - Positions come from a sequence and are handed out before commit, so a later position can commit first.
 *   A subscriber therefore only reads events whose transaction is older than every transaction still in
 *   flight (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`). That alone is not enough: were the
 *   transaction id taken before the positions (at the stream-row write), an older transaction could hold a
 *   higher position than a younger one still running, and the subscriber would pass the younger one's gap
 *   for good. So each append first takes its transaction id and its positions together under a short lock
 *   (`es_allocate_positions`): position order is transaction order, and no gap is ever passed.
 * - Appends NOTIFY at commit; subscribers LISTEN and also poll, as a fallback.
 * - Group commit: the appends of one turn of the event loop are one call of `es_append_group`, one
 *   transaction and one round trip, each append in its own subtransaction.
 */
export class PostgresEventStore implements EventStore, SequenceAllocator {
  private readonly appended = new AppendSignal();
  private listener: PoolClient | null = null;
  private closed = false;
  private readonly groups = new GroupCommit((group) => this.writeGroup(group));

  private constructor(
    private readonly pool: Pool,
    readonly writesViewInline: boolean,
  ) {}

  /** `writesViewInline`: the read model lives in the same database and schema (its tables exist). */
  static async open(pool: Pool, options: { writesViewInline?: boolean } = {}): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(pool, options.writesViewInline ?? false);
    const client = await pool.connect();
    try {
      // Several instances may start at once: one creates the schema, the others wait for it.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', ['conax_es_schema']);
      await client.query(SCHEMA_SQL);
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['conax_es_schema']);
    } finally {
      client.release();
    }
    await store.listen();
    return store;
  }

  /**
   * LISTENs on its own connection. When that connection drops (a database restart), it listens again after
   * a growing pause; subscribers poll every POLL_MS meanwhile, so nothing is missed, only later.
   */
  private async listen(attempt = 0): Promise<void> {
    if (this.closed) return;
    let client: PoolClient | null = null;
    try {
      client = await this.pool.connect();
      const connection = client;
      connection.on('notification', () => this.appended.notify());
      connection.on('error', () => {
        if (this.listener !== connection) return;
        this.listener = null;
        connection.release(true);
        this.scheduleListen(0);
      });
      await connection.query(`LISTEN ${CHANNEL}`);
      this.listener = connection;
      this.appended.notify(); // anything appended while not listening is read now
    } catch {
      client?.release(true);
      this.scheduleListen(attempt + 1);
    }
  }

  private scheduleListen(attempt: number): void {
    if (this.closed) return;
    const delay = Math.min(10_000, 250 * 2 ** attempt);
    setTimeout(() => void this.listen(attempt), delay).unref();
  }

  /** True while a LISTEN connection is up (for tests and diagnostics). */
  isListening(): boolean {
    return this.listener !== null;
  }

  /** Group commit (see GroupCommit): one `es_append_group` call per group, a subtransaction per append. */
  appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision, view?: ProvisioningRequestView): Promise<AppendResult> {
    return this.groups.append(streamId, events, expected, this.writesViewInline ? view : undefined);
  }

  appendToNewStreams(appends: readonly NewStreamAppend[]): Promise<Array<AppendResult | null>> {
    return appendEachToNewStream(this, appends);
  }

  private async writeGroup(group: readonly PendingAppend[]): Promise<Array<AppendResult | Error>> {
    const appends = group.map(({ streamId, events, expected, view }) => ({
      stream_id: streamId,
      expected: expected === 'no_stream' ? null : expected.toString(),
      events: events.map((event) => ({ event_id: event.eventId, type: event.type, data: event.data, metadata: event.metadata })),
      ...(view && { view: viewRow(view, (expected === 'no_stream' ? -1n : expected) + BigInt(events.length)) }),
    }));
    let results: GroupResult[];
    try {
      const rows = await this.query<{ results: GroupResult[] }>('SELECT es_append_group($1::jsonb) AS results', [JSON.stringify(appends)]);
      results = rows[0].results;
    } catch (error) {
      return group.map(() => (error instanceof Error ? error : new Error(String(error))));
    }
    return group.map((append, i) => {
      const result = results[i];
      if ('position' in result) return { nextRevision: BigInt(result.revision), position: BigInt(result.position), viewWritten: result.view };
      if ('conflict' in result) {
        return new WrongExpectedRevisionError(append.streamId, append.expected, result.actual === null ? 'no_stream' : BigInt(result.actual));
      }
      return this.translate(Object.assign(new Error(result.error), { code: result.code }));
    });
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    const rows = await this.query<EventRow>('SELECT * FROM es_events WHERE stream_id = $1 ORDER BY revision', [streamId]);
    return rows.map(toRecorded);
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    const rows = await this.query<EventRow>('SELECT * FROM es_events WHERE stream_id = $1 ORDER BY revision DESC LIMIT 1', [streamId]);
    return rows.length ? toRecorded(rows[0]) : null;
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncIterable<SubscriptionItem> {
    const { signal } = options;
    const likes = options.streamPrefixes.map(streamPrefixPattern);
    let after = options.after ?? 0n;
    let wasCaughtUp = false;
    while (!signal.aborted) {
      const seenBeforeRead = this.appended.seen();
      const rows = await this.query<EventRow>(
          `SELECT * FROM es_events
           WHERE position > $1
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             AND stream_id LIKE ANY ($2)
           ORDER BY position
           LIMIT $3`,
        [after.toString(), likes, BATCH],
      );
      for (const row of rows) {
        if (signal.aborted) return;
        after = BigInt(row.position);
        yield { kind: 'event', event: toRecorded(row) };
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
    const rows = await this.query<{ position: string }>(
      'SELECT position FROM es_events WHERE stream_id LIKE ANY ($1) ORDER BY position DESC LIMIT 1',
      [streamPrefixes.map(streamPrefixPattern)],
    );
    return rows.length ? BigInt(rows[0].position) : null;
  }

  private readonly sequences = new BatchedSequences(async (name, count) => {
    const rows = await this.query<{ value: string }>(
      `INSERT INTO es_sequences (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = es_sequences.value + EXCLUDED.value
       RETURNING value`,
      [name, count],
    );
    return BigInt(rows[0].value);
  });

  next(name: SequenceName): Promise<bigint> {
    return this.sequences.next(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.notify();
    this.listener?.release();
    this.listener = null;
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): Error {
    if (error instanceof WrongExpectedRevisionError) return error;
    if ((error as { code?: string }).code === '23505') {
      // A unique violation on (stream_id, revision) can only come from a race the stream row already decided.
      return new EventStoreUnavailableError('Concurrent append; retry.', { cause: error });
    }
    if (isConnectionProblem(error)) {
      return new EventStoreUnavailableError(`PostgreSQL event store unavailable: ${(error as Error).message}`, { cause: error });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
  };
}
