import { readFileSync } from 'node:fs';
import { CatalogueEntryError, parseCatalogueFile } from '../application/catalogue/catalogue-entries';
import { openSqlDatabase } from '../infrastructure/adapters';
import { loadConfigOrExit } from '../infrastructure/config/app-config';
import { SqlCatalogue } from '../infrastructure/sql/sql-catalogue';

/**
 * `npm run catalog -- import FILE.json`: upserts the file's services and smartcards (by id, in one
 * transaction each; importing twice changes nothing) into the catalogue of the configured read-model
 * database (DATA_DIR on the embedded default). `npm run catalog -- show`: counts what is there.
 */
async function main(): Promise<number> {
  const [command, file] = process.argv.slice(2);
  if (!(command === 'import' && file) && command !== 'show') {
    process.stderr.write('usage: npm run catalog -- import FILE.json | show\n');
    return 2;
  }
  let entries: ReturnType<typeof parseCatalogueFile> | null = null;
  if (command === 'import') {
    try {
      entries = parseCatalogueFile(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      const reason = error instanceof CatalogueEntryError || error instanceof SyntaxError ? error.message : (error as Error).message;
      process.stderr.write(`${file}: ${reason}\n`);
      return 1;
    }
  }
  const config = loadConfigOrExit({ LOG_LEVEL: 'warn', ...process.env }, 'read-model');
  const db = await openSqlDatabase(config);
  try {
    const catalogue = new SqlCatalogue(db);
    if (entries) {
      await catalogue.upsertServices(entries.services);
      await catalogue.upsertSmartcards(entries.smartcards);
      process.stdout.write(`Imported ${entries.services.length} service(s) and ${entries.smartcards.length} smartcard(s).\n`);
    }
    const counts = await catalogue.counts();
    process.stdout.write(`The catalogue holds ${counts.services} service(s) and ${counts.smartcards} smartcard(s).\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
