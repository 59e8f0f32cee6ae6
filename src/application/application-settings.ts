/** Limits, timings and names the application reads from configuration (injected under APP_SETTINGS). */
export interface ApplicationSettings {
  maxSmartcards: number;
  maxStbs: number;
  /** How long a create waits for its own write to reach the read model (read-your-writes). */
  readYourWritesTimeoutMs: number;
  /** How long a process_immediately create waits for Conax's outcome. */
  processImmediatelyWaitMs: number;
  /** Most process_immediately calls waiting at once; beyond it a call answers at once with the current state. */
  processImmediatelyMaxWaiters: number;
  processingRunIntervalMs: number;
  /** A sent request without an outcome for this long is sent again (or rejected after the last send). */
  outcomeTimeoutMs: number;
  /** How long one Conax call may last: the grace after the last send's deadline before CONAX_TIMEOUT. */
  conaxCallTimeoutMs: number;
  /** Sends in all (first send plus re-sends) before CONAX_TIMEOUT. */
  maxDispatchAttempts: number;
  /** Requests one processing run takes at most. */
  processingRunBatch: number;
  instanceId: string;
  /** How long a subscriber's lease lasts unrenewed: the fail-over time when an instance dies. */
  subscriberLeaseTtlMs: number;
  /** The least time between two shipments of integration events (each a Kafka transaction). */
  eventsCommitIntervalMs: number;
  topics: Topics;
}

export interface Topics {
  dispatch: string;
  outcomes: string;
  events: string;
  /** Upserts and deletes of the catalogue's services and smartcards (owned by other services). */
  catalogueServices: string;
  catalogueSmartcards: string;
  /** Other services' create commands, and the service's reply to each (SPEC §9). */
  commands: string;
  commandReplies: string;
}

export const APP_SETTINGS = Symbol('ApplicationSettings');
