/**
 * Where each durable subscriber (projection, saga, integration-event publisher) keeps its progress: the
 * position it has finished, the events it parked, and the saga's record of what it published. A leased
 * subscriber's writes here are fenced: they fail once another instance holds its lease.
 */
export interface ParkedEvent {
  subscriber: string;
  position: bigint;
  eventId: string;
  type: string;
  reason: string;
  parkedAt: string;
}

export interface SubscriberCheckpoints {
  checkpoint(subscriber: string): Promise<bigint | null>;
  /** Moves the checkpoint past events that needed no other write. */
  advanceCheckpoint(subscriber: string, position: bigint): Promise<void>;
  /** Records a subscriber's parked event and moves its checkpoint past it, in one transaction. */
  parkEvent(subscriber: string, event: { position: bigint; streamId: string; eventId: string; type: string }, reason: string): Promise<void>;
  /** Parked events of one stream (for its history), oldest first. */
  parkedEventsOf(streamId: string): Promise<ParkedEvent[]>;
  /**
   * Records that `attempt` of a request was handed to the connector's topic at `publishedAt`, with the
   * subscriber's checkpoint, in one transaction (an older attempt never overwrites a newer one). A null
   * position moves no checkpoint (a re-drive of a parked event).
   */
  recordPublication(subscriber: string, position: bigint | null, requestId: string, attempt: number, publishedAt: Date): Promise<void>;
}

export const SUBSCRIBER_CHECKPOINTS = Symbol('SubscriberCheckpoints');
