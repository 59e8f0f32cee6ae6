import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { openSqliteDatabase } from './sqlite-database';

/** Where the embedded profile kept its read model until the view was written with the events. */
export const SEPARATE_READ_MODEL_FILE = 'read-model.sqlite';

/**
 * Moves a read model kept in its own file (read-model.sqlite, as the embedded profile did before the request
 * view was written in the append's transaction) into the events' file, on `connection` before anything else
 * uses it: every row of every table, in one transaction, a row already there kept (a merge cut short by a
 * crash is simply run again). The old file is then renamed, not deleted. What does not come from the events
 * (released tokens, the connector's ledger, the catalogue, parked work) is carried over; the request view and
 * its checkpoint too, so the projection that follows the log resumes where it was.
 */
export async function mergeSeparateReadModel(connection: Database.Database, dataDir: string): Promise<void> {
  const file = join(dataDir, SEPARATE_READ_MODEL_FILE);
  if (!existsSync(file)) return;
  // The old file's schema is brought up to date first: both then have the same tables and columns.
  await (await openSqliteDatabase(file)).destroy();
  connection.prepare('ATTACH DATABASE ? AS separate').run(file);
  try {
    const tables = connection
      .prepare("SELECT name FROM separate.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'")
      .all() as Array<{ name: string }>;
    let rows = 0;
    connection.transaction(() => {
      for (const { name } of tables) {
        const columns = (connection.prepare('SELECT name FROM pragma_table_info(?, ?)').all(name, 'main') as Array<{ name: string }>).map((c) => `"${c.name}"`).join(', ');
        if (!columns) continue; // a table this version no longer has
        rows += connection.prepare(`INSERT OR IGNORE INTO main."${name}" (${columns}) SELECT ${columns} FROM separate."${name}"`).run().changes;
      }
    })();
    new Logger('Storage').log(`Merged ${rows} rows of ${SEPARATE_READ_MODEL_FILE} into the events' file; the old file is kept as ${SEPARATE_READ_MODEL_FILE}.merged.`);
  } finally {
    connection.prepare('DETACH DATABASE separate').run();
  }
  renameSync(file, `${file}.merged`);
}
