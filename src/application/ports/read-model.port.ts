import { Priority, QueryResult, RequestParameter } from '../../domain/provisioning-request';
import { UserRef } from './user-ref';


export type LifeCycleState = 'PENDING' | 'REJECTED' | 'COMPLETED';

/**
 * The request as SPEC §3 describes it, with instants as ISO-8601 UTC (the HTTP edge writes them in the
 * service time zone). The last four members are internal: they drive the processing run and never leave
 * the service.
 */
export interface ProvisioningRequestView {
  id: string;
  number: string;
  type: string;
  sequence_number: string | null;
  scheduled_date: string | null;
  executed_date: string | null;
  priority: string;
  process_immediately: boolean;
  life_cycle_state: LifeCycleState;
  request: string | null;
  response: string | null;
  reference_number: string | null;
  error_code: string | null;
  error_description: string | null;
  process_name: string;
  process_id: string | null;
  subscription: { id: string | null; number: string | null } | null;
  log_information: {
    created_date: string;
    created_by_user: UserRef;
    updated_date: string;
    updated_by_user: UserRef;
  };
  parameters_set: RequestParameter[];
  /** A query type's parsed answer once COMPLETED (SPEC §8); null otherwise (absent in views stored before queries existed). */
  result?: QueryResult | null;
  internal: {
    /** Whose request it is: every query filters on it (null: an old request no organisation owns). */
    organisation: string | null;
    due_at: string;
    /** The scheduled date; null when none (due at once, whatever the wall clock says). */
    scheduled_at: string | null;
    requested_at: string;
    last_dispatched_at: string | null;
    dispatch_attempts: number;
  };
}

/** The public field names, in the order responses list them (the contract of `fields_set`). */
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
 * writes the results and the projection's checkpoint (`position`, the last event's; read it through
 * SubscriberCheckpoints) in one transaction; a
 * change at or below the stored revision is skipped, so a redelivered event changes nothing.
 */
export interface ProvisioningRequestReadModel {
  applyEvents(projection: string, position: bigint, changes: readonly ViewChange[]): Promise<void>;
  /**
   * Writes a request's whole view, folded from its stream up to `revision`, unless the stored row is newer;
   * no checkpoint moves (an operator's re-drive of a parked event).
   */
  putView(view: ProvisioningRequestView, revision: bigint): Promise<void>;
  /** The newest requests of every organisation, newest number first, from `offset` on (for operators' charts only). */
  newest(limit: number, offset: number): Promise<ProvisioningRequestView[]>;
  /** The request, whoever owns it: for the service's own work, never for a caller's query. */
  findById(id: string): Promise<ProvisioningRequestView | null>;
  /** The request only when `organisation` owns it: another organisation's request is not found. */
  findOwned(identifier: { id: string } | { number: string }, organisation: string): Promise<ProvisioningRequestView | null>;
  list(filter: ListFilter, page: Page): Promise<ProvisioningRequestView[]>;
  /** Pending, never sent, due at `now`: EXPRESS first, then due date, then number. */
  findDue(now: Date, limit: number): Promise<DueRequest[]>;
  /** Pending requests whose newest published send happened at or before `sentBefore`. */
  findAwaitingOutcome(sentBefore: Date, limit: number): Promise<AwaitingOutcome[]>;
  /** The requests that should be at Conax by `now` and have no outcome yet (pending and due, sent or not). */
  conaxQueue(now: Date): Promise<ConaxQueue>;
}

/** What waits for Conax: how many requests, and since when the oldest of them has been due. */
export interface ConaxQueue {
  waiting: number;
  oldestDueAt: Date | null;
}

/** The queue as operators see it (readiness detail, metrics, console): the oldest one's wait in whole seconds. */
export function describeConaxQueue(queue: ConaxQueue, now: Date): { waiting: number; oldest_waiting_seconds: number } {
  const oldest = queue.oldestDueAt === null ? 0 : Math.max(0, Math.floor((now.getTime() - queue.oldestDueAt.getTime()) / 1000));
  return { waiting: queue.waiting, oldest_waiting_seconds: oldest };
}

export const READ_MODEL = Symbol('ProvisioningRequestReadModel');
