import { join } from 'node:path';
import { Kysely } from 'kysely';
import { CompiledOnce } from '../../src/infrastructure/sql/compiled-once';
import { ReadModelDatabase } from '../../src/infrastructure/sql/schema';
import { openSqliteDatabase } from '../../src/infrastructure/sqlite/sqlite-database';
import { tempDataDir } from '../support/test-app';

describe('CompiledOnce (a Kysely statement compiled once, run with new values)', () => {
  let db: Kysely<ReadModelDatabase>;
  beforeAll(async () => {
    db = await openSqliteDatabase(join(tempDataDir(), 'compiled-once.sqlite'));
  });
  afterAll(() => db.destroy());

  it('runs with each call its own values, a placeholder used twice included', async () => {
    const upsert = new CompiledOnce((d, v: { name: string; position: string; updated_at: string }) =>
      d
        .insertInto('projection_checkpoints')
        .values(v)
        .onConflict((oc) => oc.column('name').doUpdateSet({ position: v.position, updated_at: v.updated_at })),
    );
    const read = new CompiledOnce((d, v: { name: string }) => d.selectFrom('projection_checkpoints').selectAll().where('name', '=', v.name));
    await upsert.run(db, { name: 'a', position: '1', updated_at: 't1' });
    await upsert.run(db, { name: 'b', position: '7', updated_at: 't2' });
    await upsert.run(db, { name: 'a', position: '3', updated_at: 't3' });
    expect(await read.first(db, { name: 'a' })).toEqual({ name: 'a', position: '3', updated_at: 't3' });
    expect(await read.first(db, { name: 'b' })).toEqual({ name: 'b', position: '7', updated_at: 't2' });
    expect(await read.first(db, { name: 'c' })).toBeUndefined();
  });

  it('runs inside a transaction, and refuses a placeholder Kysely did not make a parameter', async () => {
    const read = new CompiledOnce((d, v: { name: string }) => d.selectFrom('projection_checkpoints').select('position').where('name', '=', v.name));
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('projection_checkpoints').values({ name: 'in-trx', position: '5', updated_at: 'now' }).execute();
      expect(await read.first(trx, { name: 'in-trx' })).toEqual({ position: '5' });
    });
    const misused = new CompiledOnce((d, _v: { name: string; unused: string }) => d.selectFrom('projection_checkpoints').select('position').where('name', '=', _v.name));
    await expect(misused.run(db, { name: 'a', unused: 'x' })).rejects.toThrow(/unused: not a parameter/);
  });
});
