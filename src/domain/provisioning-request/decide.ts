import { DomainError } from './errors';
import {
  Priority,
  ProvisioningRequestEvent,
  RequestCreationEvent,
  RequestDispatched,
  RequestOpenedData,
  RequestRejected,
  SubscriptionIdentifier,
} from './events';
import { ProvisioningRequestState } from './state';

/** What every creation command carries besides its type's own content. */
export interface OpenRequest {
  requestId: string;
  /** Drawn by the handler before deciding (a number is spent only on a request that passed its rules). */
  number: string;
  organisation: string;
  subscription: SubscriptionIdentifier | null;
  processImmediately: boolean;
  scheduledDate: Date | null;
  priority: Priority;
  fingerprint: string;
  now: Date;
}

/** The fields every creation event records, from the command (the type's module adds `type` and its own). */
export function openedData(command: OpenRequest): Omit<RequestOpenedData, 'type'> {
  return {
    request_id: command.requestId,
    number: command.number,
    organisation: command.organisation,
    subscription: command.subscription,
    process_immediately: command.processImmediately,
    scheduled_date: command.scheduledDate ? command.scheduledDate.toISOString() : null,
    priority: command.priority,
    process_name: 'MANUAL',
    requested_at: command.now.toISOString(),
    fingerprint: command.fingerprint,
  };
}

/** The timing rule every type shares (SPEC §4). */
export function checkTiming(command: Pick<OpenRequest, 'processImmediately' | 'scheduledDate' | 'now'>): void {
  if (command.processImmediately && command.scheduledDate && command.scheduledDate > command.now) {
    throw new DomainError(
      'INVALID',
      'process_immediately cannot be combined with a scheduled_date in the future.',
      'scheduled_date',
    );
  }
}

/**
 * Opens a request of any type with the creation event its type's module builds (and checks) in `open`.
 * Repeating the same creation (same fingerprint on the same stream, as an Idempotency-Key retry does)
 * decides nothing new; a different request on the same stream is a conflict.
 */
export function decideOpen<E extends RequestCreationEvent>(state: ProvisioningRequestState, fingerprint: string, open: () => E): E[] {
  if (state.status !== 'Initial') {
    if (state.request.fingerprint === fingerprint) return [];
    throw new DomainError('IDEMPOTENCY_CONFLICT', 'The idempotency key was already used for a different request.');
  }
  return [open()];
}

/** Due means no scheduled date, or one that has come. */
export function isDue(state: ProvisioningRequestState, now: Date): boolean {
  if (state.status !== 'Pending') return false;
  const scheduled = state.request.scheduled_date;
  return scheduled === null || new Date(scheduled) <= now;
}

export interface DispatchRequest {
  sequenceNumber: string;
  processId: string | null;
  request: string;
  now: Date;
}

/**
 * Sends a due, pending, not yet sent request. Sending again what was already sent, or a request that is
 * already final, decides nothing: re-sends happen only through the outcome timeout.
 */
export function decideDispatch(state: ProvisioningRequestState, command: DispatchRequest): RequestDispatched[] {
  if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'The provisioning request does not exist.');
  if (state.status !== 'Pending' || state.dispatch !== null) return [];
  if (!isDue(state, command.now)) {
    throw new DomainError('WRONG_STATE', 'The provisioning request is not due yet.', 'scheduled_date');
  }
  return [
    {
      type: 'RequestDispatched',
      data: {
        sequence_number: command.sequenceNumber,
        process_id: command.processId,
        request: command.request,
        dispatched_at: command.now.toISOString(),
        attempt: 1,
      },
    },
  ];
}

export type ConaxOutcome =
  | { kind: 'accepted'; response: string; referenceNumber: string; executedAt: Date }
  | { kind: 'rejected'; errorCode: string; errorDescription: string; response: string | null; executedAt: Date };

/**
 * Records what Conax answered. A request that is already final keeps its first outcome: a late or
 * duplicated outcome decides nothing (the caller logs it).
 */
export function decideRecordOutcome(state: ProvisioningRequestState, outcome: ConaxOutcome): ProvisioningRequestEvent[] {
  if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'The provisioning request does not exist.');
  if (state.status !== 'Pending') return [];
  if (state.dispatch === null) {
    throw new DomainError('WRONG_STATE', 'An outcome arrived for a request that was never sent to Conax.');
  }
  if (outcome.kind === 'accepted') {
    return [
      {
        type: 'RequestProcessed',
        data: {
          response: outcome.response,
          reference_number: outcome.referenceNumber,
          executed_date: outcome.executedAt.toISOString(),
        },
      },
    ];
  }
  return [
    {
      type: 'RequestRejected',
      data: {
        error_code: outcome.errorCode,
        error_description: outcome.errorDescription,
        rejected_at: outcome.executedAt.toISOString(),
        rejected_by: 'CONAX',
        response: outcome.response,
        executed_date: outcome.executedAt.toISOString(),
      },
    },
  ];
}

export interface RejectByService {
  errorCode: string;
  errorDescription: string;
  now: Date;
}

/** The service gives up on a pending request (for example after Conax never answered). Final stays final. */
export function decideRejectByService(state: ProvisioningRequestState, command: RejectByService): RequestRejected[] {
  if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'The provisioning request does not exist.');
  if (state.status !== 'Pending') return [];
  return [
    {
      type: 'RequestRejected',
      data: {
        error_code: command.errorCode,
        error_description: command.errorDescription,
        rejected_at: command.now.toISOString(),
        rejected_by: 'SERVICE',
        response: null,
        executed_date: null,
      },
    },
  ];
}

export interface OutcomeTimeoutPolicy {
  outcomeTimeoutMs: number;
  maxAttempts: number;
  /**
   * Extra wait before giving up after the last send: a Conax call started just before the deadline may
   * last this long (the connector's call timeout), and its answer must not find the request REJECTED.
   */
  finalGraceMs?: number;
}

export const CONAX_TIMEOUT = 'CONAX_TIMEOUT';

/** The newest send that really left the service: the attempt handed to the connector's topic, and when. */
export interface PublishedSend {
  attempt: number;
  publishedAt: Date;
}

/**
 * A sent request whose outcome is overdue is sent again, up to `maxAttempts` sends in all, then rejected
 * with CONAX_TIMEOUT. The clock runs from when the newest attempt was handed to the connector, never from
 * when it was decided: an attempt that was decided but not yet published (the publisher was down or behind)
 * has not been sent, so it cannot time out (a re-send is a real send). Before the timeout has passed this
 * decides nothing, so running the sweep twice is harmless.
 */
export function decideOutcomeTimeout(
  state: ProvisioningRequestState,
  now: Date,
  published: PublishedSend,
  policy: OutcomeTimeoutPolicy,
): ProvisioningRequestEvent[] {
  if (state.status !== 'Pending' || state.dispatch === null) return [];
  if (published.attempt !== state.dispatch.attempts) return [];
  const waited = now.getTime() - published.publishedAt.getTime();
  if (waited < policy.outcomeTimeoutMs) return [];
  const last = state.dispatch.attempts >= policy.maxAttempts;
  if (last && waited < policy.outcomeTimeoutMs + (policy.finalGraceMs ?? 0)) return [];
  if (!last) {
    return [
      {
        type: 'RequestDispatched',
        data: {
          sequence_number: state.dispatch.sequenceNumber,
          process_id: state.dispatch.processId,
          request: state.dispatch.request,
          dispatched_at: now.toISOString(),
          attempt: state.dispatch.attempts + 1,
        },
      },
    ];
  }
  return decideRejectByService(state, {
    errorCode: CONAX_TIMEOUT,
    errorDescription: `Conax gave no outcome after ${state.dispatch.attempts} sends.`,
    now,
  });
}
