import { EventConsumer } from '../../src/application/consumers/event-consumer';
import { BATCH_SIZE, PARK_AFTER_FAILURES, QUEUE_LIMIT } from '../../src/application/consumers/processor-lane';
import { EventProcessor } from '../../src/application/consumers/event-processor';
import { NewEvent, RecordedEvent } from '../../src/application/ports/event-store.port';
import { LeaseStore } from '../../src/application/ports/lease.port';
import { BusUnavailableError } from '../../src/application/ports/message-bus.port';
import { InMemoryEventStore } from '../support/in-memory-event-store';

jest.setTimeout(20_000);

const newEvent = (n: number): NewEvent => ({
  eventId: `E${n}`,
  type: 'Counted',
  data: { n },
  metadata: { correlation_id: 'c', causation_id: null, user: { id: 'u', username: 'u', person_name: null, email: null }, timestamp: '', schema_version: 1 },
});

async function append(store: InMemoryEventStore, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) await store.appendToStream(`counted-${n}`, [newEvent(n)], 'no_stream');
}

const numbers = (events: readonly RecordedEvent[]) => events.map((event) => (event.data as { n: number }).n);

/** Keeps its checkpoint in memory (as a processor keeps it with its effects); `fail` decides, per event, whether a batch holding it throws. */
class Recorder implements EventProcessor {
  readonly streamPrefixes = ['counted-'];
  readonly batches: number[][] = [];
  readonly parked: number[] = [];
  checkpoint: bigint | null = null;
  resumes = 0;
  fail: (n: number) => Error | null = () => null;
  /** Holds every batch until released (a slow handler, a batch in flight). */
  gate: Promise<void> | null = null;
  constructor(readonly name: string) {}
  async resumeFrom(): Promise<bigint | null> {
    this.resumes += 1;
    return this.checkpoint;
  }
  async handle(batch: readonly RecordedEvent[]): Promise<void> {
    if (this.gate) await this.gate;
    for (const n of numbers(batch)) {
      const error = this.fail(n);
      if (error) throw error;
    }
    this.batches.push(numbers(batch));
    this.checkpoint = batch[batch.length - 1].position;
  }
  async park(event: RecordedEvent): Promise<void> {
    this.parked.push(numbers([event])[0]);
    this.checkpoint = event.position;
  }
  async redrive(): Promise<void> {}
  handled(): number[] {
    return this.batches.flat();
  }
}

class MemoryLeases implements LeaseStore {
  readonly holders = new Map<string, { owner: string; until: number }>();
  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.holders.get(name);
    if (held && held.owner !== owner && held.until > Date.now()) return false;
    this.holders.set(name, { owner, until: Date.now() + ttlMs });
    return true;
  }
  async release(name: string, owner: string): Promise<void> {
    if (this.holders.get(name)?.owner === owner) this.holders.delete(name);
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('EventConsumer (in-memory store)', () => {
  let store: InMemoryEventStore;
  let consumer: EventConsumer | null;
  beforeEach(() => {
    store = new InMemoryEventStore();
    consumer = null;
  });
  afterEach(async () => {
    await consumer?.stop();
  });

  it('feeds every processor from one reader of the log, each in order', async () => {
    const processors = [new Recorder('view'), new Recorder('saga'), new Recorder('shipper')];
    await append(store, 1, 10);
    consumer = new EventConsumer(store, processors, { leases: null });
    consumer.start();
    await until(() => processors.every((p) => p.handled().length === 10));
    for (const processor of processors) expect(processor.handled()).toEqual(range(1, 10));
    expect(store.subscriptionsOpened).toBe(1);
    await until(() => consumer!.statuses().every((status) => status.caughtUp));
    expect(consumer.statuses().map((s) => s.position)).toEqual([10n, 10n, 10n]);
  });

  it('hands a backlog over in batches of at most BATCH_SIZE, and resumes each processor from its own checkpoint', async () => {
    const behind = new Recorder('behind');
    const ahead = new Recorder('ahead');
    ahead.checkpoint = 250n;
    await append(store, 1, 300);
    consumer = new EventConsumer(store, [behind, ahead], { leases: null });
    consumer.start();
    await until(() => behind.handled().length === 300 && ahead.handled().length === 50);
    expect(behind.batches.every((batch) => batch.length <= BATCH_SIZE)).toBe(true);
    expect(behind.batches.length).toBeLessThan(10);
    expect(ahead.handled()).toEqual(range(251, 300));
    expect(store.subscriptionsOpened).toBe(1);
  });

  it('parks an event that fails on its own PARK_AFTER_FAILURES times, and a healthy processor never waits for it', async () => {
    const failing = new Recorder('failing');
    failing.fail = (n) => (n === 3 ? new Error('no column holds this') : null);
    const healthy = new Recorder('healthy');
    await append(store, 1, 5);
    consumer = new EventConsumer(store, [failing, healthy], { leases: null });
    consumer.start();
    // Well before the first park could come (its pauses add up to 8.6 s).
    await until(() => healthy.handled().length === 5, 3_000);
    expect(failing.parked).toEqual([]);
    await until(() => failing.parked.length === 1 && failing.handled().includes(5));
    expect(failing.parked).toEqual([3]);
    expect(failing.handled()).toEqual([1, 2, 4, 5]);
    const status = consumer.named('failing')!.status();
    expect(status.parked).toBe(1);
    // The failed batch was retried one event at a time: the event at fault was found and parked alone.
    expect(failing.resumes).toBeGreaterThanOrEqual(PARK_AFTER_FAILURES);
  });

  it('never parks for an outage (the bus down), however long it lasts', async () => {
    const shipper = new Recorder('shipper');
    let outage = PARK_AFTER_FAILURES + 1;
    shipper.fail = () => (outage-- > 0 ? new BusUnavailableError('broker down') : null);
    await append(store, 1, 2);
    consumer = new EventConsumer(store, [shipper], { leases: null });
    consumer.start();
    await until(() => shipper.handled().length === 2);
    expect(shipper.parked).toEqual([]);
    expect(shipper.handled()).toEqual([1, 2]);
  });

  it('keeps a slow processor bounded: past QUEUE_LIMIT it stops being fed and catches up by a re-read, without gaps or repeats', async () => {
    const slow = new Recorder('slow');
    const fast = new Recorder('fast');
    let release!: () => void;
    slow.gate = new Promise((resolve) => (release = resolve));
    consumer = new EventConsumer(store, [slow, fast], { leases: null });
    consumer.start();
    await append(store, 1, 1);
    await until(() => fast.handled().length === 1);
    await append(store, 2, QUEUE_LIMIT + 300);
    try {
      await until(() => fast.handled().length === QUEUE_LIMIT + 300);
    } finally {
      slow.gate = null;
      release();
    }
    await until(() => slow.handled().length === QUEUE_LIMIT + 300);
    expect(slow.handled()).toEqual(range(1, QUEUE_LIMIT + 300));
    expect(fast.handled()).toEqual(range(1, QUEUE_LIMIT + 300));
    expect(store.subscriptionsOpened).toBeGreaterThan(1);
  });

  it('never forgets a processor that asks to be read for while the reader is resuming another', async () => {
    // Y fails at once and resumes slowly; X fails a little later, so it asks for its re-read while the reader
    // is busy resuming Y (not reading, not asleep): that request must still be answered.
    const y = new Recorder('y');
    const x = new Recorder('x');
    let yFailures = 1;
    let xFailures = 1;
    y.fail = () => (yFailures-- > 0 ? new BusUnavailableError('down') : null);
    const xHandle = x.handle.bind(x);
    x.handle = async (batch) => {
      if (xFailures-- > 0) {
        await new Promise((r) => setTimeout(r, 60));
        throw new BusUnavailableError('down');
      }
      return xHandle(batch);
    };
    const yResume = y.resumeFrom.bind(y);
    y.resumeFrom = async () => {
      if (y.resumes > 0) await new Promise((r) => setTimeout(r, 300));
      return yResume();
    };
    await append(store, 1, 3);
    consumer = new EventConsumer(store, [y, x], { leases: null });
    consumer.start();
    await until(() => y.handled().length === 3 && x.handled().length === 3, 5_000);
    expect(x.handled()).toEqual([1, 2, 3]);
    expect(y.handled()).toEqual([1, 2, 3]);
  });

  it('stops at a checkpoint: the batch in hand finishes, nothing after it is handed over', async () => {
    const processor = new Recorder('view');
    let release!: () => void;
    processor.gate = new Promise((resolve) => (release = resolve));
    await append(store, 1, 3);
    consumer = new EventConsumer(store, [processor], { leases: null });
    consumer.start();
    await new Promise((r) => setTimeout(r, 50));
    const stopped = consumer.stop();
    await append(store, 4, 6);
    release();
    await stopped;
    expect(processor.handled()).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 100));
    expect(processor.handled()).toEqual([1, 2, 3]);
    consumer = null;
  });

  it('with leases: runs a processor only while holding its lease; one lost mid-batch is handed nothing more, and another instance resumes from the checkpoint', async () => {
    const leases = new MemoryLeases();
    const mine = new Recorder('view');
    let release!: () => void;
    mine.gate = new Promise((resolve) => (release = resolve));
    await append(store, 1, 2);
    consumer = new EventConsumer(store, [mine], { leases: { leases, owner: 'A', ttlMs: 300 } });
    consumer.start();
    await until(() => consumer!.named('view')!.status().active);
    // Another instance takes the lease while this one is mid-batch.
    leases.holders.set('view', { owner: 'B', until: Date.now() + 60_000 });
    await until(() => !consumer!.named('view')!.status().active, 2_000);
    mine.gate = null;
    release();
    await append(store, 3, 4);
    await new Promise((r) => setTimeout(r, 300));
    // The batch in hand finished (its writes would be fenced in a real store); nothing after it came.
    expect(mine.handled()).toEqual([1, 2]);
    await consumer.stop();
    const theirs = new Recorder('view');
    theirs.checkpoint = mine.checkpoint;
    leases.holders.delete('view');
    consumer = new EventConsumer(store, [theirs], { leases: { leases, owner: 'B', ttlMs: 300 } });
    consumer.start();
    await until(() => theirs.handled().length === 2);
    expect(theirs.handled()).toEqual([3, 4]);
  });
});

describe('a processor of rare streams (EventProcessor.skipTo)', () => {
  /** Reacts to `rare-` streams only, and records the log between them as done. */
  class Rare extends Recorder {
    override readonly streamPrefixes = ['rare-'];
    readonly skips: bigint[] = [];
    async skipTo(position: bigint): Promise<void> {
      this.skips.push(position);
      this.checkpoint = position;
    }
  }

  it('records the live end as its position when nothing there was its own, so the reader never starts again from its last event', async () => {
    const store = new InMemoryEventStore();
    await append(store, 1, 50);
    const rare = new Rare('rare');
    const busy = new Recorder('busy');
    const consumer = new EventConsumer(store, [busy, rare], { leases: null });
    consumer.start();
    await until(() => rare.skips.length > 0 && busy.handled().length === 50);
    expect(rare.skips.at(-1)).toBe(50n);
    expect(rare.handled()).toEqual([]);
    expect(consumer.named('rare')!.position).toBe(50n);
    // Its own event after the skip is handled as any other, and its checkpoint then follows it.
    await store.appendToStream('rare-1', [newEvent(51)], 'no_stream');
    await until(() => rare.handled().length === 1);
    expect(rare.checkpoint).toBe(51n);
    await consumer.stop();
    // A restart resumes every processor from where it was: the reader starts at 50, not at the log's start.
    const opened = store.subscriptionsOpened;
    const again = new EventConsumer(store, [busy, rare], { leases: null });
    again.start();
    await until(() => store.subscriptionsOpened > opened);
    await until(() => again.named('rare')!.position === 51n);
    await again.stop();
    expect(rare.handled()).toEqual([51]);
  });

  it('does not skip while something of its own is queued or in hand', async () => {
    const store = new InMemoryEventStore();
    const rare = new Rare('rare');
    let release!: () => void;
    rare.gate = new Promise<void>((resolve) => (release = resolve));
    await store.appendToStream('rare-1', [newEvent(1)], 'no_stream');
    await append(store, 2, 5);
    const consumer = new EventConsumer(store, [rare], { leases: null });
    consumer.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(rare.skips).toEqual([]); // its batch (event 1) is still in hand
    release();
    await until(() => rare.handled().length === 1);
    await consumer.stop();
    expect(rare.skips.every((position) => position >= 1n)).toBe(true);
  });
});
