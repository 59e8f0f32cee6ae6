import { SealedSecret } from '../../domain/provisioning-request';

/**
 * Each request that holds a secret (a PIN) has its own key, kept outside the event log and wrapped under the
 * service's key (PIN_ENCRYPTION_KEY). Once the request is final its key is destroyed, and its sealed secret,
 * still in the log, can no longer be opened by anyone: crypto-shredding (SPEC §8).
 */
export interface RequestKeys {
  /**
   * Seals `secret` under the request's key, made now if it has none. Concurrent seals for one request (two
   * retries with one Idempotency-Key) use the same key, so whichever append wins can be opened.
   */
  seal(requestId: string, secret: string): Promise<SealedSecret>;
  /** The secret, or null when the request's key is gone (shredded) or the sealed text does not open with it. */
  open(requestId: string, sealed: SealedSecret): Promise<string | null>;
  /**
   * Destroys the key of every request the request view shows final (COMPLETED or REJECTED); answers how many
   * went. Run by every processing run tick, so a key outlives its request's end by one interval at most. Keys
   * of creates that were never stored go too, an hour after they were made.
   */
  shredFinal(now?: Date): Promise<number>;
}

export const REQUEST_KEYS = Symbol('RequestKeys');
