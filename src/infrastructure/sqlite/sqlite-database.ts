import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ReadModelDatabase, migrateReadModel } from '../sql/schema';

/** Distinct SQL texts kept prepared (the service issues a few dozen; the bound only guards odd callers). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; compiling the SQL again each time was 4 % of the CPU of
 * a create under load. better-sqlite3 statements are reusable (and used one at a time: the driver is
 * synchronous and Kysely serialises the connection), so the prepared statement is kept per SQL text.
 */
function withStatementCache(database: Database.Database): { prepare(sql: string): Database.Statement; close(): void } {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}

/** A connection to a SQLite file, in WAL mode; a writer waits up to 10 s for another process's write lock. */
export function openSqliteFile(file: string): Database.Database {
  const database = new Database(file, { timeout: 10_000 });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  return database;
}

/**
 * The SQL database of the read model (and checkpoints, released tokens, connector ledger) on a SQLite
 * connection: its own file, or the embedded event store's (the store then shares the connection).
 */
export async function openSqliteDatabase(fileOrConnection: string | Database.Database): Promise<Kysely<ReadModelDatabase>> {
  const database = typeof fileOrConnection === 'string' ? openSqliteFile(fileOrConnection) : fileOrConnection;
  const db = new Kysely<ReadModelDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  await migrateReadModel(db);
  return db;
}
