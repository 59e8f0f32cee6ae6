import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  ResolvedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import {
  AppendResult,
  EventMetadata,
  EventStore,
  EventStoreUnavailableError,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  SubscribeOptions,
  SubscriptionItem,
  WrongExpectedRevisionError, NewStreamAppend } from '../../application/ports/event-store.port';
import { appendEachToNewStream } from '../append-each';
import { SequenceAllocator, SequenceName } from '../../application/ports/sequence-allocator.port';

/** EventStoreDB wants UUIDs; the service's ids are 32 upper-case hex. */
function toUuid(id: string): string {
  const hex = id.toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex)
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : id;
}
const fromUuid = (id: string) => id.replace(/-/g, '').toUpperCase();

const SEQUENCE_STREAM_PREFIX = 'conax_sequence-';
const MAX_SEQUENCE_ATTEMPTS = 20;
const HEAD_SCAN_LIMIT = 1000;

/**
 * The EventStoreDB adapter: every @eventstore/db-client call of the service is in this file.
 * Request streams are appended with NO_STREAM or the exact revision (never ANY); the client's
 * WrongExpectedVersionError becomes the port's WrongExpectedRevisionError. Global positions are the
 * commit positions of `$all`, and a subscription resumes from one ({commit, prepare} set to it: single
 * event appends have equal commit and prepare positions on EventStoreDB ≥ 20).
 */
export class EventStoreDbEventStore implements EventStore, SequenceAllocator {
  private readonly client: EventStoreDBClient;
  /** The read model is elsewhere: the request view follows the log asynchronously. */
  readonly writesViewInline = false;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  appendToNewStreams(appends: readonly NewStreamAppend[]): Promise<Array<AppendResult | null>> {
    return appendEachToNewStream(this, appends);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) =>
          jsonEvent({
            id: toUuid(event.eventId),
            type: event.type,
            data: event.data as Record<string, unknown>,
            metadata: event.metadata as unknown as Record<string, unknown>,
          }),
        ),
        { expectedRevision: expected === 'no_stream' ? NO_STREAM : expected },
      );
      return { nextRevision: result.nextExpectedRevision, position: result.position?.commit ?? 0n, viewWritten: false };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : 'no_stream';
        throw new WrongExpectedRevisionError(streamId, expected, actual);
      }
      throw unavailable(error);
    }
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    return this.read(streamId, { direction: FORWARDS, fromRevision: START });
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    const [last] = await this.read(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    return last ?? null;
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncIterable<SubscriptionItem> {
    const subscription = this.client.subscribeToAll({
      fromPosition: options.after === null ? START : { commit: options.after, prepare: options.after },
      filter: streamNameFilter({ prefixes: [...options.streamPrefixes] }),
    });
    let caughtUp = false;
    let signalCaughtUp: () => void = () => undefined;
    let caughtUpSignal = new Promise<void>((resolve) => (signalCaughtUp = resolve));
    subscription.on('caughtUp', () => signalCaughtUp());
    const stop = () => void subscription.unsubscribe().catch(() => undefined);
    options.signal.addEventListener('abort', stop, { once: true });
    const iterator = subscription[Symbol.asyncIterator]();
    let last: bigint | null = options.after;
    try {
      let pending = iterator.next();
      while (!options.signal.aborted) {
        const next = await Promise.race([
          pending.then((result) => ({ kind: 'event' as const, result })),
          caughtUpSignal.then(() => ({ kind: 'caught-up' as const })),
        ]);
        if (next.kind === 'caught-up') {
          caughtUpSignal = new Promise<void>(() => undefined);
          if (!caughtUp) {
            caughtUp = true;
            yield { kind: 'caught-up', position: last };
          }
          continue;
        }
        if (next.result.done) return;
        pending = iterator.next();
        const recorded = toRecorded(next.result.value);
        if (recorded) {
          last = recorded.position;
          yield { kind: 'event', event: recorded };
        }
      }
    } catch (error) {
      if (!options.signal.aborted) throw unavailable(error);
    } finally {
      options.signal.removeEventListener('abort', stop);
      stop();
    }
  }

  async headPosition(streamPrefixes: readonly string[]): Promise<bigint | null> {
    try {
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: HEAD_SCAN_LIMIT })) {
        const event = resolved.event;
        if (event && streamPrefixes.some((p) => event.streamId.startsWith(p))) return event.position?.commit ?? null;
      }
      return null;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** A counter stream per sequence, advanced with the expected revision it read (retried on a lost race). */
  async next(name: SequenceName): Promise<bigint> {
    const stream = `${SEQUENCE_STREAM_PREFIX}${name}`;
    for (let attempt = 0; attempt < MAX_SEQUENCE_ATTEMPTS; attempt++) {
      const last = await this.readLastEvent(stream);
      const value = last ? BigInt((last.data as { value: string }).value) + 1n : 1n;
      try {
        await this.client.appendToStream(stream, jsonEvent({ type: 'SequenceAdvanced', data: { value: value.toString() } }), {
          expectedRevision: last ? last.revision : NO_STREAM,
        });
        return value;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw unavailable(error);
      }
    }
    throw new EventStoreUnavailableError(`Sequence ${name} is too contended; retry.`);
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private async read(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: typeof START | typeof END; maxCount?: number },
  ): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        const recorded = toRecorded(resolved);
        if (recorded) events.push(recorded);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw unavailable(error);
    }
    return events;
  }
}

function toRecorded(resolved: ResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || !event.isJson) return null;
  return {
    streamId: event.streamId,
    revision: event.revision,
    position: event.position?.commit ?? 0n,
    eventId: fromUuid(event.id),
    type: event.type,
    data: event.data,
    metadata: event.metadata as unknown as EventMetadata,
  };
}

function unavailable(error: unknown): Error {
  if (error instanceof WrongExpectedRevisionError || error instanceof EventStoreUnavailableError) return error;
  return new EventStoreUnavailableError(`EventStoreDB: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
