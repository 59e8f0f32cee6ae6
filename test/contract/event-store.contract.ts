import { randomUUID } from 'node:crypto';
import {
  EventStore,
  NewEvent,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/application/ports/event-store.port';
import { SequenceAllocator } from '../../src/application/ports/sequence-allocator.port';

export interface EventStoreUnderTest {
  /** Opens a store on the same underlying data each time it is called (a reopen is a restart). */
  open(): Promise<EventStore & SequenceAllocator>;
}

function newEvent(type: string, data: unknown = {}): NewEvent {
  return {
    eventId: randomUUID().replace(/-/g, '').toUpperCase(),
    type,
    data,
    metadata: {
      correlation_id: 'c',
      causation_id: null,
      user: { id: 'U', username: 'tester', person_name: null, email: null },
      timestamp: new Date().toISOString(),
      schema_version: 1,
    },
  };
}

async function collect(
  store: EventStore,
  prefix: string,
  after: bigint | null,
  until: (events: RecordedEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<RecordedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: RecordedEvent[] = [];
  try {
    for await (const item of store.subscribeToAll({ after, streamPrefixes: [prefix], signal: controller.signal })) {
      if (item.kind === 'event') events.push(item.event);
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

/** The behaviour every event-store adapter must show; each adapter's spec file runs it. */
export function eventStoreContract(name: string, underTest: () => EventStoreUnderTest | null): void {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore & SequenceAllocator;
    let prefix: string;
    const stream = (n: string) => `${prefix}${n}`;

    beforeAll(async () => {
      const subject = underTest();
      if (subject) store = await subject.open();
    });
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(() => {
      prefix = `contract_${randomUUID().slice(0, 8)}-`;
    });

    it('appends to a new stream and reads it back in order with revisions and growing positions', async () => {
      const result = await store.appendToStream(stream('a'), [newEvent('One', { n: 1 }), newEvent('Two', { n: 2 })], 'no_stream');
      expect(result.nextRevision).toBe(1n);
      const events = await store.readStream(stream('a'));
      expect(events.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['One', 0n, { n: 1 }],
        ['Two', 1n, { n: 2 }],
      ]);
      expect(events[1].position).toBeGreaterThan(events[0].position);
      expect(events[1].position).toBe(result.position);
      expect(events[0].metadata.user.username).toBe('tester');
    });

    it('reads a stream that does not exist as empty', async () => {
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('appends at the exact expected revision and refuses a stale or missing one without writing', async () => {
      await store.appendToStream(stream('b'), [newEvent('One')], 'no_stream');
      await store.appendToStream(stream('b'), [newEvent('Two')], 0n);
      await expect(store.appendToStream(stream('b'), [newEvent('Stale')], 0n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.appendToStream(stream('b'), [newEvent('Again')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.appendToStream(stream('none'), [newEvent('X')], 3n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(stream('b'))).map((e) => e.type)).toEqual(['One', 'Two']);
      expect(await store.readStream(stream('none'))).toEqual([]);
    });

    it('appends many new streams at once, skipping (null) a stream that already exists and leaving it as it was', async () => {
      await store.appendToStream(stream('taken'), [newEvent('First')], 'no_stream');
      const results = await store.appendToNewStreams([
        { streamId: stream('n1'), events: [newEvent('One', { n: 1 })] },
        { streamId: stream('taken'), events: [newEvent('Second')] },
        { streamId: stream('n2'), events: [newEvent('One', { n: 2 }), newEvent('Two', { n: 2 })] },
      ]);
      expect(results.map((r) => r && r.nextRevision)).toEqual([0n, null, 1n]);
      expect((await store.readStream(stream('taken'))).map((e) => e.type)).toEqual(['First']);
      const n2 = await store.readStream(stream('n2'));
      expect(n2.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['One', 0n, { n: 2 }],
        ['Two', 1n, { n: 2 }],
      ]);
      expect(results[2]!.position).toBe(n2[1].position);
      expect(results[2]!.position).toBeGreaterThan(results[0]!.position);
      // Again: every stream exists now, nothing is appended twice.
      expect(await store.appendToNewStreams([{ streamId: stream('n1'), events: [newEvent('One')] }])).toEqual([null]);
      expect(await store.readStream(stream('n1'))).toHaveLength(1);
    });

    it('lets exactly one of concurrent appends at the same expected revision win', async () => {
      await store.appendToStream(stream('race'), [newEvent('Start')], 'no_stream');
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.appendToStream(stream('race'), [newEvent(`Racer${i}`), newEvent('Tail')], 0n)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
      }
      const events = await store.readStream(stream('race'));
      expect(events).toHaveLength(3);
      expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
    });

    it('keeps concurrent appends to different streams apart: one conflict fails only its own append', async () => {
      await store.appendToStream(stream('busy'), [newEvent('Start')], 'no_stream');
      const appends = [
        ...Array.from({ length: 30 }, (_, i) => store.appendToStream(stream(`many${i}`), [newEvent('Created', { i })], 'no_stream')),
        store.appendToStream(stream('busy'), [newEvent('Stale')], 'no_stream'), // wrong: the stream exists
        store.appendToStream(stream('busy'), [newEvent('Next')], 0n),
      ];
      const results = await Promise.allSettled(appends);
      expect(results.map((r) => r.status)).toEqual([...Array(30).fill('fulfilled'), 'rejected', 'fulfilled']);
      expect((results[30] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      const positions = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ position: bigint }>).value.position);
      expect(new Set(positions).size).toBe(positions.length);
      for (let i = 0; i < 30; i++) expect((await store.readStream(stream(`many${i}`))).map((e) => e.data)).toEqual([{ i }]);
      expect((await store.readStream(stream('busy'))).map((e) => e.type)).toEqual(['Start', 'Next']);
    });

    it('takes more appends at once than one group holds, each answered with its own outcome, in call order', async () => {
      await store.appendToStream(stream('crowd-taken'), [newEvent('Start')], 'no_stream');
      const results = await Promise.allSettled(
        Array.from({ length: 600 }, (_, i) =>
          i === 300
            ? store.appendToStream(stream('crowd-taken'), [newEvent('Stale')], 'no_stream')
            : store.appendToStream(stream(`crowd${i}`), [newEvent('Created', { i })], 'no_stream'),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(WrongExpectedRevisionError)]);
      expect(results[300].status).toBe('rejected');
      const positions = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ position: bigint }>).value.position);
      expect(new Set(positions).size).toBe(599);
      for (const i of [0, 299, 301, 599]) expect((await store.readStream(stream(`crowd${i}`))).map((e) => e.data)).toEqual([{ i }]);
    });

    it('lets exactly one of concurrent creations of a stream win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.appendToStream(stream('create'), [newEvent('Created')], 'no_stream')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.readStream(stream('create'))).toHaveLength(1);
    });

    it('subscribes from the start: history in global order, then caught-up, then live events', async () => {
      await store.appendToStream(stream('s1'), [newEvent('A')], 'no_stream');
      await store.appendToStream(`other_${prefix}x`, [newEvent('Ignored')], 'no_stream');
      await store.appendToStream(stream('s2'), [newEvent('B')], 'no_stream');
      await store.appendToStream(stream('s1'), [newEvent('C')], 0n);

      const controller = new AbortController();
      const seen: string[] = [];
      const positions: bigint[] = [];
      let caughtUpAfter = -1;
      const done = (async () => {
        for await (const item of store.subscribeToAll({ after: null, streamPrefixes: [prefix], signal: controller.signal })) {
          if (item.kind === 'caught-up') {
            if (caughtUpAfter < 0) {
              caughtUpAfter = seen.length;
              await store.appendToStream(stream('s2'), [newEvent('Live')], 0n);
            }
            continue;
          }
          seen.push(item.event.type);
          positions.push(item.event.position);
          if (item.event.type === 'Live') break;
        }
      })();
      const timer = setTimeout(() => controller.abort(), 10_000);
      await done;
      clearTimeout(timer);
      controller.abort();
      expect(seen).toEqual(['A', 'B', 'C', 'Live']);
      expect(caughtUpAfter).toBe(3);
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    });

    it('resumes a subscription after a given position', async () => {
      await store.appendToStream(stream('r'), [newEvent('First'), newEvent('Second'), newEvent('Third')], 'no_stream');
      const all = await store.readStream(stream('r'));
      const resumed = await collect(store, prefix, all[0].position, (events) => events.length >= 2);
      expect(resumed.map((e) => e.type)).toEqual(['Second', 'Third']);
    });

    it('reports the head position of its streams', async () => {
      const { position } = await store.appendToStream(stream('h'), [newEvent('H')], 'no_stream');
      expect(await store.headPosition([prefix])).toBe(position);
    });

    it('hands out each sequence value once, increasing, also under concurrency', async () => {
      const values = await Promise.all(Array.from({ length: 20 }, () => store.next('request_number')));
      expect(new Set(values.map(String)).size).toBe(20);
      const later = await store.next('request_number');
      expect(values.every((v) => v < later)).toBe(true);
    });

    it('serves a burst of sequence values in call order, and two instances on one store never share one', async () => {
      const other = await underTest()!.open();
      try {
        const burst = () => Promise.all(Array.from({ length: 30 }, () => store.next('dispatch_sequence')));
        const [mine, theirs] = await Promise.all([burst(), Promise.all(Array.from({ length: 30 }, () => other.next('dispatch_sequence')))]);
        for (let i = 1; i < mine.length; i++) expect(mine[i]).toBeGreaterThan(mine[i - 1]);
        expect(new Set([...mine, ...theirs].map(String)).size).toBe(60);
        expect((await burst()).every((value) => value > mine[mine.length - 1])).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('keeps everything across a restart', async () => {
      await store.appendToStream(stream('keep'), [newEvent('Kept', { v: 42 })], 'no_stream');
      const before = await store.next('dispatch_sequence');
      await store.close();
      store = await underTest()!.open();
      const events = await store.readStream(stream('keep'));
      expect(events.map((e) => [e.type, e.data])).toEqual([['Kept', { v: 42 }]]);
      expect(await store.next('dispatch_sequence')).toBeGreaterThan(before);
      await expect(store.appendToStream(stream('keep'), [newEvent('Again')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
    });
  });
}
