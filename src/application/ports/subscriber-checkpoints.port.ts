/**
 * Where each durable processor (projection, saga, integration-event publisher) keeps its progress: the
 * position it has finished and the events it parked. A leased processor's writes here are fenced: they fail
 * once another instance holds its lease.
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
}

export const SUBSCRIBER_CHECKPOINTS = Symbol('SubscriberCheckpoints');
