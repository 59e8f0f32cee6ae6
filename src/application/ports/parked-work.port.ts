import { ParkedEvent } from './subscriber-checkpoints.port';

/** A message a consumer gave up on, as collected from its dead-letter topic. */
export interface DeadLetter {
  /** The `dlq-id` header the bus stamped when parking it (a hash of the message for older ones). */
  id: string;
  dlqTopic: string;
  sourceTopic: string;
  key: string;
  value: string;
  /** The message's own headers, without the bus's `dlq-*` ones. */
  headers: Record<string, string>;
  reason: string;
  parkedAt: string;
}

export interface ParkedEventEntry extends ParkedEvent {
  streamId: string;
}

/** Work the pipeline set aside, kept for operators: events parked by subscribers and dead-lettered messages. */
export interface ParkedWorkStore {
  parkedEvents(): Promise<ParkedEventEntry[]>;
  parkedEvent(subscriber: string, position: bigint): Promise<ParkedEventEntry | null>;
  /** Forgets a parked event (after a re-drive or a discard). */
  releaseParkedEvent(subscriber: string, position: bigint): Promise<void>;
  /** Keeps a dead letter; keeping the same id twice changes nothing. */
  keepDeadLetter(deadLetter: DeadLetter): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  deadLetter(id: string): Promise<DeadLetter | null>;
  releaseDeadLetter(id: string): Promise<void>;
}

export const PARKED_WORK = Symbol('ParkedWorkStore');
