import { Priority } from '../../domain/provisioning-request';
import { ProvisioningRequestView } from '../read-model/provisioning-request-view';

export type LifeCycleState = 'PENDING' | 'REJECTED' | 'COMPLETED';

export interface ListFilter {
  /** Always set from the caller: a list never crosses organisations. */
  organisation: string;
  type?: string;
  life_cycle_state?: LifeCycleState;
  reference_number?: string;
}

export interface Page {
  limit: number;
  offset: number;
}

/** What the projection stores per request: the view, plus the stream revision it reflects. */
export interface StoredView {
  view: ProvisioningRequestView;
  revision: bigint;
}

export interface ParkedEvent {
  subscriber: string;
  position: bigint;
  eventId: string;
  type: string;
  reason: string;
  parkedAt: string;
}

export interface AwaitingOutcome {
  id: string;
  attempt: number;
  publishedAt: Date;
}

export interface DueRequest {
  id: string;
  priority: Priority;
}

/** One event's change to one request's view: `update` gets the row as it stands (null: none yet). */
export interface ViewChange {
  requestId: string;
  revision: bigint;
  update: (current: ProvisioningRequestView | null) => ProvisioningRequestView | null;
}

/**
 * The queryable request view. `applyEvents` runs each change's `update`, in order, on the current row and
 * writes the results and the projection's checkpoint (`position`, the last event's) in one transaction; a
 * change at or below the stored revision is skipped, so a redelivered event changes nothing.
 */
export interface ProvisioningRequestReadModel {
  checkpoint(projection: string): Promise<bigint | null>;
  applyEvents(projection: string, position: bigint, changes: readonly ViewChange[]): Promise<void>;
  /** Moves the checkpoint past an event that touches no row. */
  advanceCheckpoint(projection: string, position: bigint): Promise<void>;
  /** Records a subscriber's parked event and moves its checkpoint past it, in one transaction. */
  parkEvent(subscriber: string, event: { position: bigint; streamId: string; eventId: string; type: string }, reason: string): Promise<void>;
  /** Parked events of one stream (for its history), oldest first. */
  parkedEventsOf(streamId: string): Promise<ParkedEvent[]>;
  /** The request, whoever owns it: for the service's own work, never for a caller's query. */
  findById(id: string): Promise<ProvisioningRequestView | null>;
  /** The request only when `organisation` owns it: another organisation's request is not found. */
  findOwned(identifier: { id: string } | { number: string }, organisation: string): Promise<ProvisioningRequestView | null>;
  list(filter: ListFilter, page: Page): Promise<ProvisioningRequestView[]>;
  /** Pending, never sent, due at `now`: EXPRESS first, then due date, then number. */
  findDue(now: Date, limit: number): Promise<DueRequest[]>;
  /** Pending requests whose newest published send happened at or before `sentBefore`. */
  findAwaitingOutcome(sentBefore: Date, limit: number): Promise<AwaitingOutcome[]>;
  /**
   * Records that `attempt` of a request was handed to the connector's topic at `publishedAt`, with the
   * publisher's checkpoint, in one transaction (an older attempt never overwrites a newer one).
   */
  recordPublication(checkpointName: string, position: bigint, requestId: string, attempt: number, publishedAt: Date): Promise<void>;
}

export const READ_MODEL = Symbol('ProvisioningRequestReadModel');

export interface TokenRevocations {
  revoke(tokenId: string, expiresAt: Date): Promise<void>;
  isRevoked(tokenId: string): Promise<boolean>;
}

export const TOKEN_REVOCATIONS = Symbol('TokenRevocations');
