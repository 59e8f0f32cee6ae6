import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import { Pool } from 'pg';
import { CURRENT_SCHEMA_VERSION } from '../../src/application/event-codec';
import { SYSTEM_USER } from '../../src/application/system-user';
import { fold, provisioningRequestDecider, provisioningRequestStreamId } from '../../src/domain/provisioning-request';
import { eventCodecFor } from '../../src/infrastructure/adapters';
import { openPostgresDatabase } from '../../src/infrastructure/postgres/postgres-database';
import { PostgresEventStore } from '../../src/infrastructure/postgres/postgres-event-store';
import { openPostgresPool } from '../../src/infrastructure/postgres/postgres-pool';
import { ReadModelRebuild } from '../../src/infrastructure/sql/read-model-rebuild';
import { ReadModelDatabase } from '../../src/infrastructure/sql/schema';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';

jest.setTimeout(180_000);

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
const REQUESTS = 3000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the service SIGKILLed in the middle of projecting (production profile, real process)', () => {
  const schema = testSchema('crash');
  let pool: Pool;
  let db: Kysely<ReadModelDatabase>;
  let store: PostgresEventStore;
  let child: ChildProcess | null = null;
  let port: number;

  const env = () => ({
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    EVENT_STORE: 'postgres',
    READ_MODEL: 'postgres',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema.name,
    RUN_CONNECTOR: 'false',
    PROCESSING_RUN_INTERVAL_MS: '3600000',
    LOG_LEVEL: 'warn',
    SUBSCRIBER_LEASE_TTL_MS: '1000',
  });
  const start = () => {
    child = spawn(process.execPath, [MAIN], { env: env(), stdio: ['ignore', 'ignore', 'inherit'] });
  };
  const checkpoint = async () => {
    const row = await db.selectFrom('projection_checkpoints').select('position').where('name', '=', 'request_view').executeTakeFirst();
    return row ? BigInt(row.position) : 0n;
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: npm test builds it first (npx nest build)');
    port = await freePort();
    pool = await openPostgresPool(TEST_DATABASE_URL, schema.name);
    store = await PostgresEventStore.open(pool);
    db = await openPostgresDatabase(await openPostgresPool(TEST_DATABASE_URL, schema.name), schema.name);
    // A backlog of real PairingRequested events for the projection to chew on.
    for (let n = 1; n <= REQUESTS; n++) {
      const id = randomUUID().replace(/-/g, '').toUpperCase();
      const [event] = provisioningRequestDecider.decide(
        {
          type: 'OpenRequest',
          number: String(n),
          draft: {
            type: 'CREATE_PAIRING',
            requestId: id,
            organisation: 'ACME',
          subscription: null,
          processImmediately: false,
          scheduledDate: new Date('2099-01-01T00:00:00Z'),
          priority: n % 2 ? 'REGULAR' : 'EXPRESS',
          smartcards: [{ id: `${id}S`, smartcard_ca_id: String(1e10 + n) }],
          stbs: [{ id: `${id}B`, stb_ca_id: String(2e10 + n) }],
          fingerprint: id,
          now: new Date(),
          limits: { maxSmartcards: 100, maxStbs: 100 },
          },
        },
        fold([]),
      );
      await store.appendToStream(
        provisioningRequestStreamId(id),
        [
          {
            eventId: randomUUID(),
            type: event.type,
            data: event.data,
            metadata: {
              correlation_id: 'seed',
              causation_id: null,
              user: SYSTEM_USER,
              timestamp: new Date().toISOString(),
              schema_version: CURRENT_SCHEMA_VERSION[event.type],
            },
          },
        ],
        'no_stream',
      );
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await store?.close();
    await pool?.end();
    await db?.destroy();
    await schema.drop();
  });

  it('after a restart the read model equals a from-scratch rebuild', async () => {
    const head = (await store.headPosition(['provisioning_request-']))!;
    start();
    const deadline = Date.now() + 60_000;
    while ((await checkpoint()) === 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child!.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    const atKill = await checkpoint();
    expect(atKill).toBeGreaterThan(0n);
    expect(atKill).toBeLessThan(head); // it really died mid-projection

    start();
    const ready = Date.now() + 90_000;
    while ((await checkpoint()) < head && Date.now() < ready) await new Promise((r) => setTimeout(r, 100));
    expect(await checkpoint()).toBe(head);
    const rows = await db.selectFrom('provisioning_requests').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(REQUESTS);
    const quiet = { start: () => undefined, update: () => undefined, stop: () => undefined };
    expect(await new ReadModelRebuild(db, store, eventCodecFor({ authUsersJson: null }), quiet, 'postgres').check()).toEqual([]);
    child!.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
  });
});
