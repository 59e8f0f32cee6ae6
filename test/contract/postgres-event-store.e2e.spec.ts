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
 * Issue 8: two appends interleaved exactly as in the report. Y takes its transaction id first and stops
 * before inserting its event; X inserts its event and stops before committing; Y inserts and commits while X
 * is still open; then X commits. A subscriber that read Y's event must still get X's afterwards: every
 * committed event reaches every subscriber, whatever the interleaving.
 */
describe('postgres event store: gap-free subscriptions under interleaved appends', () => {
  type Gate = { match: RegExp; reached: () => void; release: Promise<void> };

  /** A pool whose clients stop before the first query matching a gate until the test releases it. */
  function gatedPool(pool: Pool, gates: Gate[]): Pool {
    return new Proxy(pool, {
      get(target, property, receiver) {
        if (property !== 'connect') return Reflect.get(target, property, receiver);
        return async () => {
          const client = await target.connect();
          return new Proxy(client, {
            get(c, p, r) {
              if (p !== 'query') return Reflect.get(c, p, r);
              return async (text: string, ...rest: unknown[]) => {
                const gate = gates.find((g) => g.match.test(text));
                if (gate) {
                  gates.splice(gates.indexOf(gate), 1);
                  gate.reached();
                  await gate.release;
                }
                return (c.query as (...args: unknown[]) => unknown).call(c, text, ...rest);
              };
            },
          });
        };
      },
    }) as Pool;
  }

  /** Fails instead of hanging when an interleaving step never comes (a regression must not stall the suite). */
  const within = <T,>(work: Promise<T>, what: string) =>
    Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen`)), 10_000))]);

  function gate(match: RegExp) {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((r) => (reached = r));
    const releasePromise = new Promise<void>((r) => (release = r));
    return { gate: { match, reached, release: releasePromise } as Gate, reached: reachedPromise, release };
  }

  it('delivers an event whose lower position commits after a higher one was already read', async () => {
    const reader = await openStore();
    const base = await openPostgresPool(TEST_DATABASE_URL, schema.name);
    pools.push(base);
    const meta = { correlation_id: 'c', causation_id: null, user: { id: 'U', username: 'u', person_name: null, email: null }, timestamp: new Date().toISOString(), schema_version: 1 };
    const yBeforeInsert = gate(/INSERT INTO es_events/);
    const xBeforeCommit = gate(/^COMMIT$/);
    const yStore = await PostgresEventStore.open(gatedPool(base, [yBeforeInsert.gate]));
    const xStore = await PostgresEventStore.open(gatedPool(base, [xBeforeCommit.gate]));
    const prefix = `gap-${randomUUID().slice(0, 8)}-`;

    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const item of reader.subscribeToAll({ after: null, streamPrefixes: [prefix], signal: controller.signal })) {
        if (item.kind === 'event') seen.push(item.event.streamId);
      }
    })();

    const y = yStore.appendToStream(`${prefix}Y`, [{ eventId: randomUUID(), type: 'Y', data: {}, metadata: meta }], 'no_stream');
    await within(yBeforeInsert.reached, 'Y reaching its insert'); // Y holds its transaction id, no event yet
    const x = xStore.appendToStream(`${prefix}X`, [{ eventId: randomUUID(), type: 'X', data: {}, metadata: meta }], 'no_stream');
    await within(xBeforeCommit.reached, 'X reaching its commit'); // X's event is inserted, not committed
    yBeforeInsert.release();
    await within(y, 'Y committing'); // Y inserted and committed while X is still open
    const deadline = Date.now() + 3000;
    while (!seen.includes(`${prefix}Y`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    xBeforeCommit.release();
    await within(x, 'X committing');
    const until = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await following;
    expect(seen.sort()).toEqual([`${prefix}X`, `${prefix}Y`]);
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
