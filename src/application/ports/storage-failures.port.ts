/**
 * Tells a database that is down, stalled or out of disk from a statement it refuses. The application only
 * asks; the adapters' errors are known in infrastructure. Such failures are transient: nothing is ever
 * parked for one, it is retried until the database answers.
 */
export interface StorageFailures {
  isUnavailable(error: unknown): boolean;
}

export const STORAGE_FAILURES = Symbol('StorageFailures');
