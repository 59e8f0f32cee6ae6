/**
 * The event store port. It is shaped after what EventStoreDB, PostgreSQL and SQLite can all guarantee:
 * per-stream revisions (0-based, bigint), one global order (a bigint position that only grows),
 * atomic multi-event appends guarded by an expected revision, and catch-up subscriptions.
 */

import type { ProvisioningRequestView } from './read-model.port';

export type { UserRef } from './user-ref';
import type { UserRef } from './user-ref';

export interface EventMetadata {
  correlation_id: string;
  causation_id: string | null;
  user: UserRef;
  timestamp: string;
  schema_version: number;
}

export interface NewEvent {
  eventId: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface RecordedEvent {
  streamId: string;
  revision: bigint;
  position: bigint;
  eventId: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/** The first events of a stream that must not exist yet, with its request view (see `writesViewInline`). */
export interface NewStreamAppend {
  streamId: string;
  events: readonly NewEvent[];
  view?: ProvisioningRequestView;
}

/** `no_stream`: the stream must not exist yet; a bigint: the revision of the stream's last event. */
export type ExpectedRevision = 'no_stream' | bigint;

export interface AppendResult {
  /** Revision of the last appended event. */
  nextRevision: bigint;
  /** Global position of the last appended event. */
  position: bigint;
  /** The request view passed with the append was written in the append's own transaction (see `writesViewInline`). */
  viewWritten: boolean;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, found ${String(actual)}.`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store could not be reached or answered with an error that is not about the request. */
export class EventStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

export type SubscriptionItem = { kind: 'event'; event: RecordedEvent } | { kind: 'caught-up'; position: bigint | null };

export interface SubscribeOptions {
  /** Deliver events after this position; null: from the very beginning. */
  after: bigint | null;
  /** Only streams whose id starts with one of these. */
  streamPrefixes: readonly string[];
  signal: AbortSignal;
}

export interface EventStore {
  /**
   * True when the store's database also holds the read model (SQLite and PostgreSQL with the read model
   * beside the events): the request view passed with an append is then written in the append's own
   * transaction, an inline projection, so it is never behind what the append wrote. A view whose write
   * fails (a value no column can hold) is left out and the events are still appended: the log is the truth,
   * and the asynchronous projection that follows the log parks what it cannot apply.
   */
  readonly writesViewInline: boolean;
  /** `view`: the stream's request view after these events; ignored unless `writesViewInline`. */
  appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision, view?: ProvisioningRequestView): Promise<AppendResult>;
  /**
   * Appends many streams that must not exist yet (a batch's requests), as one write where the store can (one
   * transaction on SQLite). Answers per append its result, or null when its stream already existed (nothing is
   * appended to it). Each append is atomic on its own; together they are not promised to be.
   */
  appendToNewStreams(appends: readonly NewStreamAppend[]): Promise<Array<AppendResult | null>>;
  /** Every event of the stream in revision order; empty when the stream does not exist. */
  readStream(streamId: string): Promise<RecordedEvent[]>;
  /** The stream's last event, or null when the stream does not exist (cheap on long streams). */
  readLastEvent(streamId: string): Promise<RecordedEvent | null>;
  /**
   * Events in global order, one at a time, then a `caught-up` item whenever the live end is reached; it
   * keeps going (live) until the signal aborts.
   */
  subscribeToAll(options: SubscribeOptions): AsyncIterable<SubscriptionItem>;
  /** Position of the newest event this service can see (null when empty): for lag figures. */
  headPosition(streamPrefixes: readonly string[]): Promise<bigint | null>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');
