/**
 * The message bus port: Kafka in production, an in-process bus for the embedded default. Messages are
 * keyed (by request id), so everything about one request stays in order. Delivery is at least once:
 * handlers must be idempotent.
 */
export interface BusMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

export interface ConsumeOptions {
  topic: string;
  groupId: string;
  handler: MessageHandler;
  /**
   * Hands up to `max` messages to the handler at once (default: one at a time). Messages with the same key,
   * or sharing a lane, are handled one after another in topic order; offsets are committed only up to the
   * first message not yet handled.
   */
  concurrency?: { max: number; lanesOf(message: BusMessage): readonly string[] };
}

export interface RunningConsumer {
  /** Stops fetching, lets the message in hand finish, commits, disconnects. */
  stop(): Promise<void>;
}

/**
 * Ships an ordered log (the stored events, by global position) to one topic exactly once. Opening one
 * fences every earlier shipper of the same `writer` name, wherever it runs (a paused instance that lost its
 * lease can no longer write), and then reads the position the last committed publish recorded. Each
 * `publish` writes the messages and the new position in one atomic step, so after any crash the shipper
 * resumes right after what is really on the topic.
 */
export interface LogShipper {
  /** The position recorded with the last committed publish of any shipper of this writer; null: none, or the bus keeps nothing. */
  readonly committedPosition: bigint | null;
  publish(messages: readonly BusMessage[], position: bigint): Promise<void>;
  close(): Promise<void>;
}

export interface MessageBus {
  /** Creates the topics (and their `.dlq` topics) when missing. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  publish(topic: string, messages: readonly BusMessage[]): Promise<void>;
  /**
   * Hands each message to `handler`, in order per key, committing after it returns. A handler that keeps
   * failing after the bus's bounded retries parks the message on `<topic>.dlq` and the flow moves on.
   */
  consume(options: ConsumeOptions): Promise<RunningConsumer>;
  openLogShipper(topic: string, writer: string): Promise<LogShipper>;
  /**
   * Null when the bus can take and give messages now (readiness): reachable, its topics there, every consumer of
   * this process in its group. Otherwise why not, in words for operators.
   */
  notReadyBecause(): Promise<string | null>;
  /** Messages parked on dead-letter topics by this process. */
  deadLettered(): number;
  /** Requests this process has sent to the broker since it started, by API name (none on the in-process bus). */
  brokerRequests(): ReadonlyMap<string, number>;
  /** The consumers this process runs, for operators: what each has handled and how far behind its topic it is. */
  consumerStates(): Promise<ConsumerState[]>;
  close(): Promise<void>;
}

export interface ConsumerState {
  topic: string;
  groupId: string;
  /** Kafka: a member of its group right now; the in-process bus: running. */
  joined: boolean;
  /** Messages handled (or parked) by this consumer since this process started. */
  handled: number;
  deadLettered: number;
  /** Messages on the topic after the group's committed offsets; null when the broker does not say. */
  lag: number | null;
}

export const MESSAGE_BUS = Symbol('MessageBus');

export const dlqTopicOf = (topic: string) => `${topic}.dlq`;

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * The bus could not take or give a message (broker down, fenced producer): never a reason to park the
 * event that was being handled, however often it happens.
 */
export class BusUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

/** A message that can never be handled (unreadable, wrong schema): parked on the DLQ without retrying. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}
