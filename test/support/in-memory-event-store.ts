import { appendEachToNewStream } from '../../src/infrastructure/append-each';
import { AppendResult, EventStore, ExpectedRevision, NewEvent, NewStreamAppend, RecordedEvent, SubscribeOptions, SubscriptionItem, WrongExpectedRevisionError } from '../../src/application/ports/event-store.port';

/**
 * The event store port in memory, for unit tests of what runs on it (the consumer runtime): appends with
 * expected revisions, catch-up subscriptions that go live, and a count of the subscriptions opened (reads of the log).
 */
export class InMemoryEventStore implements EventStore {
  readonly events: RecordedEvent[] = [];
  readonly writesViewInline = false;
  subscriptionsOpened = 0;
  private waiters = new Set<() => void>();

  async appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const stream = this.events.filter((event) => event.streamId === streamId);
    const actual = stream.length ? stream[stream.length - 1].revision : 'no_stream';
    if (actual !== expected) throw new WrongExpectedRevisionError(streamId, expected, actual);
    let revision = actual === 'no_stream' ? -1n : actual;
    for (const event of events) {
      revision += 1n;
      this.events.push({ ...event, streamId, revision, position: BigInt(this.events.length + 1) });
    }
    for (const wake of [...this.waiters]) wake();
    return { nextRevision: revision, position: BigInt(this.events.length), viewWritten: false };
  }

  appendToNewStreams(appends: readonly NewStreamAppend[]): Promise<Array<AppendResult | null>> {
    return appendEachToNewStream(this, appends);
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    return this.events.filter((event) => event.streamId === streamId);
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    return (await this.readStream(streamId)).at(-1) ?? null;
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncIterable<SubscriptionItem> {
    this.subscriptionsOpened += 1;
    let next = options.after === null ? 0 : Number(options.after);
    let caughtUp = false;
    while (!options.signal.aborted) {
      while (next < this.events.length) {
        const event = this.events[next++];
        if (options.signal.aborted) return;
        if (options.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) yield { kind: 'event', event };
      }
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught-up', position: next === 0 ? null : BigInt(next) };
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          options.signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.add(done);
        options.signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  async headPosition(): Promise<bigint | null> {
    return this.events.length ? BigInt(this.events.length) : null;
  }

  async close(): Promise<void> {}
}
