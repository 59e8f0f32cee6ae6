import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { ReadModelDatabase, migrateReadModel } from '../sql/schema';

/** The read-model database on PostgreSQL, through the same Kysely schema and migrations as SQLite. */
export async function openPostgresDatabase(pool: Pool): Promise<Kysely<ReadModelDatabase>> {
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  await migrateReadModel(db);
  return db;
}
