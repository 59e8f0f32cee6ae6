import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/infrastructure/sqlite/sqlite-database';
import { tempDataDir } from '../support/test-app';
import { readModelContract } from './read-model.contract';

readModelContract('sqlite', () => openSqliteDatabase(join(tempDataDir(), 'read-model.sqlite')));
