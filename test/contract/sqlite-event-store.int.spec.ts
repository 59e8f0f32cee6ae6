import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreUnavailableError, NewEvent } from '../../src/application/ports/event-store.port';
import { SYSTEM_USER } from '../../src/application/system-user';
import { SqliteEventStore } from '../../src/infrastructure/sqlite/sqlite-event-store';
import { openSqliteFile } from '../../src/infrastructure/sqlite/sqlite-database';
import { eventStoreContract } from './event-store.contract';

const file = join(mkdtempSync(join(tmpdir(), 'conax-es-')), 'events.sqlite');

eventStoreContract('sqlite', () => ({ open: async () => new SqliteEventStore(file) }));

const eventOf = (i: number, size = 10): NewEvent => ({
  eventId: `E${i}-${Math.random().toString(36).slice(2)}`,
  type: 'Filled',
  data: { i, padding: 'x'.repeat(size) },
  metadata: { correlation_id: 'full-database-test', causation_id: null, user: SYSTEM_USER, timestamp: new Date().toISOString(), schema_version: 1 },
});

describe('the SQLite event store when the database cannot take more', () => {
  it('answers each append of a group as it ended: every one reported stored is stored, none reported failed is', async () => {
    const db = openSqliteFile(join(mkdtempSync(join(tmpdir(), 'conax-full-')), 'events.sqlite'));
    const store = new SqliteEventStore(db);
    await store.appendToStream('warm-up', [eventOf(0)], 'no_stream');
    // A database that may grow by a few pages only: SQLite answers SQLITE_FULL as on a full disk.
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 6}`);
    const streams = Array.from({ length: 120 }, (_, i) => `filled-${i}`);
    // Ten appends a turn: a group commit of ten, twelve times, some before the database is full, some after.
    const outcomes: Array<PromiseSettledResult<unknown>> = [];
    for (let group = 0; group < streams.length; group += 10) {
      const appends = streams.slice(group, group + 10).map((stream, i) => store.appendToStream(stream, [eventOf(group + i, 1500)], 'no_stream'));
      outcomes.push(...(await Promise.allSettled(appends)));
    }
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
    for (const [i, stream] of streams.entries()) {
      const stored = (await store.readStream(stream)).length === 1;
      expect({ stream, stored }).toEqual({ stream, stored: outcomes[i].status === 'fulfilled' });
    }
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(EventStoreUnavailableError);
    await store.close();
    db.close();
  });

  it('refuses a group rather than run it inside a transaction someone left open on its connection', async () => {
    const db = openSqliteFile(join(mkdtempSync(join(tmpdir(), 'conax-open-')), 'events.sqlite'));
    const store = new SqliteEventStore(db);
    db.exec('BEGIN');
    await expect(store.appendToStream('left-open', [eventOf(1)], 'no_stream')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    db.exec('ROLLBACK');
    expect(await store.readStream('left-open')).toEqual([]);
    await expect(store.appendToStream('left-open', [eventOf(2)], 'no_stream')).resolves.toMatchObject({ nextRevision: 0n });
    await store.close();
    db.close();
  });

  // A real full disk (a small tmpfs, mounted as root, as CI runs): SQLite fails only when it commits to the WAL.
  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('never hands out a sequence value it could not store (two requests with one number): on a full disk the step fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conax-seq-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    const db = openSqliteFile(join(dir, 'events.sqlite'));
    const store = new SqliteEventStore(db);
    try {
      const handedOut: bigint[] = [await store.next('request_number')];
      const fd = openSync(join(dir, 'filler'), 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
      let failed = 0;
      for (let i = 0; i < 200; i++) {
        try {
          handedOut.push(await store.next('request_number'));
        } catch {
          failed += 1;
        }
      }
      expect(failed).toBeGreaterThan(0); // the disk really was full
      rmSync(join(dir, 'filler'));
      handedOut.push(await store.next('request_number'));
      expect(new Set(handedOut).size).toBe(handedOut.length);
    } finally {
      await store.close();
      db.close();
      execFileSync('umount', [dir]);
    }
  });
});
