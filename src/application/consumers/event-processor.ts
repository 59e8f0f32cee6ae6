import { RecordedEvent } from '../ports/event-store.port';

/**
 * A durable reaction to the event log, declared as data and run by the EventConsumer: the runtime owns
 * reading, the lease, batching, retries and parking; the processor owns its own state (the view, the saga's
 * publications, the shipper's position) and its checkpoint, which it writes with its effects.
 */
export interface EventProcessor {
  /** Stable name: its checkpoint's, its lease's and its parked events'. */
  readonly name: string;
  /** The streams it reacts to (an event of any other stream is never handed to it). */
  readonly streamPrefixes: readonly string[];
  /**
   * The least time between the starts of two batches. Under load the events that arrive meanwhile wait and go
   * in the next batch, so a processor whose batch has a high fixed cost (a Kafka transaction) runs it at most
   * this often; an event arriving after a quiet spell still goes at once.
   */
  readonly batchIntervalMs?: number;
  /**
   * Where to resume: the last position it has durably finished. Called each time it (re)starts: after its
   * lease is taken, and after a failed batch.
   */
  resumeFrom(): Promise<bigint | null>;
  /**
   * Durably records that everything up to `position` is done when none of it was this processor's (it reacts to
   * rare streams): without it, its position would stay where its last event left it, and every pass of the one
   * reader, and every start, would read the log again from there. Optional; called at most every
   * IDLE_CHECKPOINT_MS, only while nothing is queued or in hand for it.
   */
  skipTo?(position: bigint): Promise<void>;
  /** Handles events in order and durably records the last one's position as done, ideally in the same transaction as its effects. */
  handle(batch: readonly RecordedEvent[]): Promise<void>;
  /** Records that `event` is parked (with why) and moves the checkpoint past it, in one transaction. */
  park(event: RecordedEvent, reason: string): Promise<void>;
  /**
   * Handles one parked event again, on an operator's request, without moving the checkpoint (the consumer is
   * far past it). Throws when it still cannot be handled.
   */
  redrive(event: RecordedEvent): Promise<void>;
}
