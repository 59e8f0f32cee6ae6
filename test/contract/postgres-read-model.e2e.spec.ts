import { openPostgresDatabase } from '../../src/infrastructure/postgres/postgres-database';
import { openPostgresPool } from '../../src/infrastructure/postgres/postgres-pool';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';
import { readModelContract } from './read-model.contract';

const schema = testSchema('rm_contract');
afterAll(() => schema.drop());

readModelContract('postgres', async () => openPostgresDatabase(await openPostgresPool(TEST_DATABASE_URL, schema.name), schema.name));
