import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/sqlite/sqlite-event-store';
import { eventStoreContract } from './event-store.contract';

const file = join(mkdtempSync(join(tmpdir(), 'conax-es-')), 'events.sqlite');

eventStoreContract('sqlite', () => ({ open: async () => new SqliteEventStore(file) }));
