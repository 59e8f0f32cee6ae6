import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { ReadModelDatabase, migrateReadModel } from '../sql/schema';

/**
 * The read-model database on PostgreSQL, through the same Kysely schema and migrations as SQLite. Instances
 * starting together take turns (advisory lock), so only one creates the tables.
 */
export async function openPostgresDatabase(pool: Pool, schema: string): Promise<Kysely<ReadModelDatabase>> {
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`conax_read_model_migrations:${schema}`]);
    try {
      await migrateReadModel(db, schema);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`conax_read_model_migrations:${schema}`]);
    }
  } finally {
    client.release();
  }
  return db;
}
