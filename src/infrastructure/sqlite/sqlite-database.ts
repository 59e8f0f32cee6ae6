import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ReadModelDatabase, migrateReadModel } from '../sql/schema';

/** The SQL database of the read model (and checkpoints, released tokens, connector ledger) in one SQLite file. */
export async function openSqliteDatabase(file: string): Promise<Kysely<ReadModelDatabase>> {
  const database = new Database(file, { timeout: 10_000 });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<ReadModelDatabase>({ dialect: new SqliteDialect({ database }) });
  await migrateReadModel(db);
  return db;
}
