import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ReadModelDatabase, migrateReadModel } from '../sql/schema';
import { SqlReadModel } from '../sql/sql-read-model';

export async function openSqliteReadModel(file: string): Promise<SqlReadModel> {
  const database = new Database(file, { timeout: 10_000 });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<ReadModelDatabase>({ dialect: new SqliteDialect({ database }) });
  await migrateReadModel(db);
  return new SqlReadModel(db);
}
