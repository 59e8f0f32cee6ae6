import { Pool } from 'pg';

const CONNECTION_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * A pg pool whose connections work in `schema` (created if missing): the event store and the read model
 * can live in one database, and tests get a schema each.
 */
export async function openPostgresPool(url: string, schema: string, max = 10): Promise<Pool> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid PostgreSQL schema name ${schema}.`);
  const bootstrap = new Pool({ connectionString: url, max: 1 });
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error; // created concurrently
  } finally {
    await bootstrap.end();
  }
  // Every wait is bounded: getting a connection, a statement on the server, a reply on the client, and a
  // transaction left idle (a paused process must not hold row locks for ever).
  const pool = new Pool({
    connectionString: url,
    max,
    options: `-c search_path=${schema} -c statement_timeout=${STATEMENT_TIMEOUT_MS} -c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
  });
  // A connection that breaks emits 'error' on its client; the pool listens only while the client is idle.
  // A client checked out (a transaction, the LISTEN connection, Kysely's) needs a listener of its own, or
  // a database crash is an unhandled 'error' event that kills the process (found by the fault suite). The
  // query in flight fails with the same error, so nothing is swallowed.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
