/**
 * Named leases shared by every instance: the holder of a subscriber's lease is the only instance running
 * that subscriber. A lease not renewed before it expires can be taken by another instance (fail-over).
 */
export interface LeaseStore {
  /** Takes or renews the lease; false when another owner holds it unexpired. */
  tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}

export const LEASE_STORE = Symbol('LeaseStore');
