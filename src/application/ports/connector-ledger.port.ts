import { FinalOutcome } from './outcome-message';

/**
 * - `new`: nobody called Conax for this request before: call it.
 * - `resumed`: an earlier call may or may not have reached Conax (it failed, timed out, or its connector
 *   died): ask Conax what it already did before calling again.
 * - `held`: another connector claimed it recently and may be calling Conax right now: do nothing.
 */
export type ClaimResult = 'new' | 'resumed' | 'held';

/**
 * The connector's own durable memory. A claim is written before Conax is called, so two connectors never
 * both call for one request; the outcome is written before it is published, so a redelivered dispatch for a
 * request with a recorded outcome republishes it instead of calling Conax again.
 */
export interface ConnectorLedger {
  find(requestId: string): Promise<FinalOutcome | null>;
  record(outcome: FinalOutcome): Promise<void>;
  /**
   * Claims the request for `owner` until `staleAt` (after which the claimer can no longer be calling Conax
   * for it); another owner's claim holds until its own `staleAt`. The same owner (this connector, or its
   * previous life under the same INSTANCE_ID) always resumes.
   */
  claim(requestId: string, owner: string, now: Date, staleAt: Date): Promise<ClaimResult>;
  /**
   * Ends `owner`'s claim now (its calls got no answer): the next claimer, whoever it is, gets `resumed` and
   * asks Conax before calling again. Another owner's claim is left as it is.
   */
  release(requestId: string, owner: string, now: Date): Promise<void>;
}

export const CONNECTOR_LEDGER = Symbol('ConnectorLedger');
