import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/infrastructure/sqlite/sqlite-database';
import { SqlRequestKeys } from '../../src/infrastructure/sql/sql-request-keys';
import { pinToGivenValue } from '../../src/application/request-types/card-requests/card-requests.definition';
import { tempDataDir } from '../support/test-app';

/** The request keys on a real SQLite database: seal and open, a wrong key opens nothing, keys nobody stored a request for go. */
describe('request keys (SQLite)', () => {
  it('opens what it sealed, and nothing under another wrapping key', async () => {
    const db = await openSqliteDatabase(join(tempDataDir(), 'keys.sqlite'));
    const keys = new SqlRequestKeys(db, randomBytes(32));
    const sealed = await keys.seal('R1'.padEnd(32, '0'), '4821');
    expect(JSON.stringify(sealed)).not.toContain('4821');
    expect(await keys.open('R1'.padEnd(32, '0'), sealed)).toBe('4821');
    // Sealed again for the same request (a concurrent retry): the same key, so both open.
    const again = await keys.seal('R1'.padEnd(32, '0'), '4821');
    expect(await keys.open('R1'.padEnd(32, '0'), again)).toBe('4821');
    expect(await keys.open('R2'.padEnd(32, '0'), sealed)).toBeNull(); // no key for that request
    await expect(new SqlRequestKeys(db, randomBytes(32)).open('R1'.padEnd(32, '0'), sealed)).rejects.toThrow(/PIN_ENCRYPTION_KEY/);
    await db.destroy();
  });

  it('destroys, after an hour, the key of a create that was never stored', async () => {
    const db = await openSqliteDatabase(join(tempDataDir(), 'keys.sqlite'));
    const keys = new SqlRequestKeys(db, randomBytes(32));
    const sealed = await keys.seal('ORPHAN'.padEnd(32, '0'), '1234');
    expect(await keys.shredFinal(new Date(Date.now() + 59 * 60 * 1000))).toBe(0); // still inside any append's bound
    expect(await keys.shredFinal(new Date(Date.now() + 61 * 60 * 1000))).toBe(1);
    expect(await keys.open('ORPHAN'.padEnd(32, '0'), sealed)).toBeNull();
    await db.destroy();
  });
});

describe('a PIN request\'s fingerprint', () => {
  it('does not depend on the PIN (it is stored and published: a four-digit PIN under a hash is found in 10,000 tries)', () => {
    const input = { subscription: null, processImmediately: false, scheduledDate: null, priority: 'REGULAR' as const, idempotencyKey: 'k', organisation: 'ACME', smartcard: { caId: '11' } };
    expect(pinToGivenValue.fingerprint({ ...input, pin: '1111' })).toEqual(pinToGivenValue.fingerprint({ ...input, pin: '9999' }));
    expect(JSON.stringify(pinToGivenValue.fingerprint({ ...input, pin: '9073' }))).not.toContain('9073');
  });
});
