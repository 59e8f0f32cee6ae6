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
