import { Pool } from 'pg';

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
  const pool = new Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  return pool;
}
