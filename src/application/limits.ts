/** Limits and timings the application reads from configuration (injected under APP_SETTINGS). */
export interface ApplicationSettings {
  maxSmartcards: number;
  maxStbs: number;
  /** How long a create waits for its own write to reach the read model (read-your-writes). */
  readYourWritesTimeoutMs: number;
  /** How long a process_immediately create waits for Conax's outcome. */
  processImmediatelyWaitMs: number;
}

export const APP_SETTINGS = Symbol('ApplicationSettings');
