import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent, RecordedEvent } from '../../src/application/ports/event-store.port';
import { EventConsumer } from '../../src/application/consumers/event-consumer';
import { EventProcessor } from '../../src/application/consumers/event-processor';
import { SqliteEventStore } from '../../src/infrastructure/sqlite/sqlite-event-store';

const newEvent = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'Counted',
  data: { n },
  metadata: { correlation_id: randomUUID(), causation_id: null, user: { id: 'u', username: 'u', person_name: null, email: null }, timestamp: new Date().toISOString(), schema_version: 1 },
});

/** Records each batch it is handed and when; keeps its checkpoint in memory. */
class RecordingHandler implements EventProcessor {
  readonly name = 'recording';
  readonly streamPrefixes = ['counted-'];
  readonly batches: Array<{ at: number; ns: number[] }> = [];
  constructor(readonly batchIntervalMs?: number) {}
  async resumeFrom(): Promise<bigint | null> {
    return null;
  }
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    this.batches.push({ at: performance.now(), ns: events.map((e) => (e.data as { n: number }).n) });
  }
  async park(): Promise<void> {}
  async redrive(): Promise<void> {}
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('event consumer on SQLite: batch interval (integration-event shipments)', () => {
  let store: SqliteEventStore;
  beforeEach(() => {
    store = new SqliteEventStore(join(mkdtempSync(join(tmpdir(), 'conax-catch-up-')), 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
  });

  it('hands an event after a quiet spell over at once, and what arrives within the interval in one later batch', async () => {
    const handler = new RecordingHandler(1000);
    const subscriber = new EventConsumer(store, [handler], { leases: null });
    subscriber.start();
    try {
      const sent = performance.now();
      await store.appendToStream('counted-1', [newEvent(1)], 'no_stream');
      await until(() => handler.batches.length === 1);
      expect(handler.batches[0].at - sent).toBeLessThan(500);
      for (let n = 2; n <= 6; n++) {
        await store.appendToStream(`counted-${n}`, [newEvent(n)], 'no_stream');
        await new Promise((r) => setTimeout(r, 20));
      }
      await until(() => handler.batches.flatMap((b) => b.ns).length === 6);
      expect(handler.batches.map((b) => b.ns)).toEqual([[1], [2, 3, 4, 5, 6]]);
      expect(handler.batches[1].at - handler.batches[0].at).toBeGreaterThanOrEqual(990);
      // Quiet for longer than the interval: the next event is not held back.
      await new Promise((r) => setTimeout(r, 1200));
      const later = performance.now();
      await store.appendToStream('counted-7', [newEvent(7)], 'no_stream');
      await until(() => handler.batches.length === 3);
      expect(handler.batches[2].ns).toEqual([7]);
      // Held back, it would wait about the whole interval (1,000 ms); the bound leaves room for a slow machine.
      expect(handler.batches[2].at - later).toBeLessThan(500);
    } finally {
      await subscriber.stop();
    }
  });

  it('without an interval, hands events over as they come', async () => {
    const handler = new RecordingHandler();
    const subscriber = new EventConsumer(store, [handler], { leases: null });
    subscriber.start();
    try {
      await store.appendToStream('counted-1', [newEvent(1)], 'no_stream');
      await until(() => handler.batches.length === 1);
      await new Promise((r) => setTimeout(r, 30));
      await store.appendToStream('counted-2', [newEvent(2)], 'no_stream');
      await until(() => handler.batches.flatMap((b) => b.ns).length === 2);
      expect(handler.batches.map((b) => b.ns)).toEqual([[1], [2]]);
    } finally {
      await subscriber.stop();
    }
  });
});
