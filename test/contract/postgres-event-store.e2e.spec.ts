import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { openPostgresPool } from '../../src/infrastructure/postgres/postgres-pool';
import { PostgresEventStore } from '../../src/infrastructure/postgres/postgres-event-store';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';
import { eventStoreContract } from './event-store.contract';

const schema = testSchema('es_contract');
const pools: Pool[] = [];
async function openStore(): Promise<PostgresEventStore> {
  const pool = await openPostgresPool(TEST_DATABASE_URL, schema.name);
  pools.push(pool);
  return PostgresEventStore.open(pool);
}

afterAll(async () => {
  for (const pool of pools) await pool.end().catch(() => undefined);
  await schema.drop();
});

eventStoreContract('postgres', () => ({ open: openStore }));

describe('postgres event store: what only a multi-connection store must show', () => {
  const metadata = {
    correlation_id: 'c',
    causation_id: null,
    user: { id: 'U', username: 'u', person_name: null, email: null },
    timestamp: new Date().toISOString(),
    schema_version: 1,
  };
  const event = (type: string) => ({ eventId: randomUUID(), type, data: {}, metadata });

  it('keeps concurrent appends from separate pools (as separate processes would) correct', async () => {
    const [a, b] = [await openStore(), await openStore()];
    const stream = `multi-${randomUUID()}`;
    await a.appendToStream(stream, [event('Start')], 'no_stream');
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => a.appendToStream(stream, [event('A')], 0n)),
      ...Array.from({ length: 5 }, () => b.appendToStream(stream, [event('B')], 0n)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await a.readStream(stream)).toHaveLength(2);
    await a.close();
    await b.close();
  });

  it('never lets a subscriber skip past an in-flight append (no gaps in what it delivers)', async () => {
    const store = await openStore();
    const prefix = `gap-${randomUUID().slice(0, 8)}-`;
    const raw = await pools[pools.length - 1].connect();
    // An append that has taken its position but not committed yet…
    await raw.query('BEGIN');
    await raw.query(
      `INSERT INTO es_streams (stream_id, revision) VALUES ($1, 0)`,
      [`${prefix}slow`],
    );
    await raw.query(
      `INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, 0, $2, 'Slow', '{}', $3)`,
      [`${prefix}slow`, randomUUID(), JSON.stringify(metadata)],
    );
    // …and one after it that commits first.
    await store.appendToStream(`${prefix}fast`, [event('Fast')], 'no_stream');

    const controller = new AbortController();
    const seen: string[] = [];
    let caughtUpBeforeCommit = false;
    const reading = (async () => {
      for await (const item of store.subscribeToAll({ after: null, streamPrefixes: [prefix], signal: controller.signal })) {
        if (item.kind === 'caught-up') {
          caughtUpBeforeCommit = seen.length === 0;
          await raw.query('COMMIT');
          continue;
        }
        seen.push(item.event.type);
        if (seen.length === 2) break;
      }
    })();
    const timer = setTimeout(() => controller.abort(), 15_000);
    await reading;
    clearTimeout(timer);
    raw.release();
    expect(caughtUpBeforeCommit).toBe(true);
    expect(seen).toEqual(['Slow', 'Fast']);
    await store.close();
  });
});

/**
 * Issue 8: two appends interleaved. Y takes its transaction id and position, then waits (here: on a row lock
 * the test holds on Y's stream row) before inserting its event; X, later, inserts and commits meanwhile; then
 * Y goes on and commits. A subscriber must deliver both: X's higher position must not let it pass Y's gap.
 */
describe('postgres event store: gap-free subscriptions under interleaved appends', () => {
  /** Fails instead of hanging when an interleaving step never comes (a regression must not stall the suite). */
  const within = <T,>(work: Promise<T>, what: string) =>
    Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen`)), 10_000))]);

  it('delivers an event whose lower position commits after a higher one', async () => {
    const reader = await openStore();
    const [yStore, xStore] = [await openStore(), await openStore()];
    const admin = await openPostgresPool(TEST_DATABASE_URL, schema.name);
    pools.push(admin);
    const meta = { correlation_id: 'c', causation_id: null, user: { id: 'U', username: 'u', person_name: null, email: null }, timestamp: new Date().toISOString(), schema_version: 1 };
    const prefix = `gap-${randomUUID().slice(0, 8)}-`;
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const item of reader.subscribeToAll({ after: null, streamPrefixes: [prefix], signal: controller.signal })) {
        if (item.kind === 'event') seen.push(item.event.streamId);
      }
    })();

    // The test's own uncommitted insert of Y's stream row makes Y's append wait right after it took its position.
    const blocker = await admin.connect();
    await blocker.query('BEGIN');
    await blocker.query('INSERT INTO es_streams (stream_id, revision) VALUES ($1, 0)', [`${prefix}Y`]);
    const y = yStore.appendToStream(`${prefix}Y`, [{ eventId: randomUUID(), type: 'Y', data: {}, metadata: meta }], 'no_stream');
    const waiting = async () => {
      for (;;) {
        const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%es_append_group%'`);
        if (rows[0].n > 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await within(waiting(), 'Y waiting with its position taken');
    const x = await within(
      xStore.appendToStream(`${prefix}X`, [{ eventId: randomUUID(), type: 'X', data: {}, metadata: meta }], 'no_stream'),
      'X committing while Y is open',
    );
    await new Promise((r) => setTimeout(r, 300)); // the subscriber polls meanwhile: it must not pass Y's position
    await blocker.query('ROLLBACK');
    blocker.release();
    const yAppended = await within(y, 'Y committing');
    expect(yAppended.position).toBeLessThan(x.position);
    const until = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await following;
    expect(seen).toEqual([`${prefix}Y`, `${prefix}X`]);
    await Promise.all([yStore.close(), xStore.close(), reader.close()]);
  });
});

describe('postgres event store: the LISTEN connection comes back', () => {
  it('listens again after its connection is killed (a database restart), and subscribers still hear appends', async () => {
    const store = await openStore();
    expect(store.isListening()).toBe(true);
    const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN conax_es_appended%' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rowCount).toBeGreaterThan(0);
      const deadline = Date.now() + 10_000;
      while (store.isListening() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      while (!store.isListening() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(store.isListening()).toBe(true);
      const controller = new AbortController();
      const prefix = `relisten-${randomUUID().slice(0, 8)}-`;
      const seen: string[] = [];
      const following = (async () => {
        for await (const item of store.subscribeToAll({ after: null, streamPrefixes: [prefix], signal: controller.signal })) {
          if (item.kind === 'event') seen.push(item.event.streamId);
        }
      })();
      const meta = { correlation_id: 'c', causation_id: null, user: { id: 'U', username: 'u', person_name: null, email: null }, timestamp: new Date().toISOString(), schema_version: 1 };
      await store.appendToStream(`${prefix}a`, [{ eventId: randomUUID(), type: 'T', data: {}, metadata: meta }], 'no_stream');
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      await following;
      expect(seen).toEqual([`${prefix}a`]);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
