import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

/** The local PostgreSQL that CI starts (override with TEST_DATABASE_URL). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A schema of its own for one test file, dropped by `drop()`. */
export function testSchema(prefix: string): { name: string; drop(): Promise<void> } {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  return {
    name,
    async drop() {
      const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined);
      await pool.end();
    },
  };
}
