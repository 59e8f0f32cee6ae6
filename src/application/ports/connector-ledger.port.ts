import { OutcomeMessage } from '../processing/messages';

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
  find(requestId: string): Promise<OutcomeMessage | null>;
  record(outcome: OutcomeMessage): Promise<void>;
  /** Claims the request for `owner`; another owner's claim counts as dead once older than `staleAfterMs`. */
  claim(requestId: string, owner: string, now: Date, staleAfterMs: number): Promise<ClaimResult>;
}

export const CONNECTOR_LEDGER = Symbol('ConnectorLedger');
