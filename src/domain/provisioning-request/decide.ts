import { DomainError } from './errors';
import {
  ProvisioningRequestEvent,
  QueryResult,
  RequestCreationEvent,
  RequestDispatched,
  RequestRejected,
  RequestType,
} from './events';
import { evolve, ProvisioningRequestState } from './state';
import { RequestDraft, RequestTypeRules, rulesOf } from './types/request-types';

/**
 * An existing request asked for again on its stream (as an Idempotency-Key retry does): the same fingerprint
 * decides nothing new; a different request on the same stream is a conflict.
 */
function decideRepeat(state: ProvisioningRequestState & { status: Exclude<ProvisioningRequestState['status'], 'Initial'> }, fingerprint: string): [] {
  if (state.request.fingerprint === fingerprint) return [];
  throw new DomainError('IDEMPOTENCY_CONFLICT', 'The idempotency key was already used for a different request.');
}

/** Opens a request of any type on an empty stream, with its type's rules; on an existing one, see decideRepeat. */
export function decideOpen(state: ProvisioningRequestState, draft: RequestDraft, number: string): RequestCreationEvent[] {
  if (state.status !== 'Initial') return decideRepeat(state, draft.fingerprint);
  const rules = rulesOf(draft.type) as RequestTypeRules<RequestType>;
  rules.check(draft);
  return [rules.open(draft, number)];
}

/** Asked again for a request whose stream exists: nothing to draw, only the fingerprint to compare. */
export function decideRepeatOpen(state: ProvisioningRequestState, fingerprint: string): RequestCreationEvent[] {
  if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'The provisioning request does not exist.');
  return decideRepeat(state, fingerprint);
}

/** Due means no scheduled date, or one that has come. */
export function isDue(state: ProvisioningRequestState, now: Date): boolean {
  if (state.status !== 'Pending') return false;
  const scheduled = state.request.scheduled_date;
  return scheduled === null || new Date(scheduled) <= now;
}

/** What a send needs from outside, drawn only for a request that will be sent: its sequence number and exact text. */
export interface PreparedSend {
  sequenceNumber: string;
  request: string;
}

/** True when Dispatch would send the request now (the caller then prepares the send). */
export function willBeSent(state: ProvisioningRequestState, now: Date): boolean {
  return state.status === 'Pending' && state.dispatch === null && isDue(state, now);
}

/**
 * Sends a due, pending, not yet sent request. Sending again what was already sent, or a request that is
 * already final, decides nothing: re-sends happen only through the outcome timeout. `send` is prepared by
 * the caller exactly when `willBeSent` holds for the state decided on.
 */
export function decideDispatch(state: ProvisioningRequestState, processId: string | null, send: PreparedSend | null, now: Date): RequestDispatched[] {
  if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'The provisioning request does not exist.');
  if (state.status !== 'Pending' || state.dispatch !== null) return [];
  if (!isDue(state, now)) {
    throw new DomainError('WRONG_STATE', 'The provisioning request is not due yet.', 'scheduled_date');
  }
  if (send === null) throw new Error('A sendable request was dispatched without a prepared send.');
  return [
    {
      type: 'RequestDispatched',
      data: {
        sequence_number: send.sequenceNumber,
        process_id: processId,
        request: send.request,
        dispatched_at: now.toISOString(),
        attempt: 1,
      },
    },
  ];
}

export type ConaxOutcome =
  | { kind: 'accepted'; response: string; referenceNumber: string; executedAt: Date; result?: QueryResult }
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
          ...(outcome.result ? { result: outcome.result } : {}),
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
  /**
   * How long after a send was handed to the connector it is sent again when no outcome came back (a message
   * lost with an in-process bus, a connector that died mid-call). From the fourth send on, each further
   * re-send waits twice as long, up to 8 times this.
   */
  outcomeTimeoutMs: number;
  /** Sends whose Conax calls got no answer (ConaxCallUnanswered) before the request is rejected with CONAX_TIMEOUT. */
  maxAttempts: number;
}

export const CONAX_TIMEOUT = 'CONAX_TIMEOUT';

/** The newest send that really left the service: the attempt handed to the connector's topic, and when. */
export interface PublishedSend {
  attempt: number;
  publishedAt: Date;
}

/**
 * How long the sweep waits for an outcome of the given attempt before sending again: one timeout for the
 * first three sends (a message lost with a broker or a process comes back quickly), then 2, 4 and at most 8
 * (a request stuck for hours adds a re-send every 8 timeouts to its history, not one every timeout).
 */
export function resendDelayMs(attempt: number, policy: Pick<OutcomeTimeoutPolicy, 'outcomeTimeoutMs'>): number {
  return policy.outcomeTimeoutMs * 2 ** Math.min(Math.max(attempt - 3, 0), 3);
}

function rejectForTimeout(state: ProvisioningRequestState & { status: 'Pending' }, now: Date): RequestRejected[] {
  const calls = state.dispatch?.unansweredAttempts.length ?? 0;
  return decideRejectByService(state, {
    errorCode: CONAX_TIMEOUT,
    errorDescription: `Conax gave no answer to ${calls} ${calls === 1 ? 'send' : 'sends'} of this request.`,
    now,
  });
}

/**
 * A sent request whose outcome is overdue is sent again (a re-send is a real send, harmless to repeat: the
 * connector's ledger and claims keep Conax from doing anything twice). The clock runs from when the newest
 * attempt was handed to the connector, never from when it was decided. This never rejects a request whose
 * newest send was not called: a send waiting in the connector's queue behind a slow Conax stays PENDING
 * (deadlines bound a call, not a queue); only ConaxCallUnanswered counts towards CONAX_TIMEOUT. Before the
 * wait has passed this decides nothing, so running the sweep twice is harmless.
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
  if (waited < resendDelayMs(state.dispatch.attempts, policy)) return [];
  const newestUnanswered = state.dispatch.unansweredAttempts.includes(state.dispatch.attempts);
  if (newestUnanswered && state.dispatch.unansweredAttempts.length >= policy.maxAttempts) return rejectForTimeout(state, now);
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

export interface UnansweredCall {
  attempt: number;
  calledAt: Date;
  reason: string;
  now: Date;
}

/**
 * The connector called Conax for one send and got no answer. Recorded once per attempt. When it was the
 * newest send and `maxAttempts` sends have now gone unanswered, the request is rejected with CONAX_TIMEOUT
 * in the same decision; an older send's silence never rejects, because a newer send may still be queued
 * at the connector (messages of one request reach it in the order they were sent).
 */
export function decideRecordUnanswered(
  state: ProvisioningRequestState,
  call: UnansweredCall,
  policy: Pick<OutcomeTimeoutPolicy, 'maxAttempts'>,
): ProvisioningRequestEvent[] {
  if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'The provisioning request does not exist.');
  if (state.status !== 'Pending' || state.dispatch === null) return [];
  if (state.dispatch.unansweredAttempts.includes(call.attempt) || call.attempt > state.dispatch.attempts) return [];
  const recorded: ProvisioningRequestEvent = {
    type: 'ConaxCallUnanswered',
    data: { attempt: call.attempt, called_at: call.calledAt.toISOString(), gave_up_at: call.now.toISOString(), reason: call.reason },
  };
  const after = evolve(state, recorded);
  const unanswered = after.status === 'Pending' && after.dispatch ? after.dispatch.unansweredAttempts.length : 0;
  if (call.attempt === state.dispatch.attempts && unanswered >= policy.maxAttempts && after.status === 'Pending') {
    return [recorded, ...rejectForTimeout(after, call.now)];
  }
  return [recorded];
}
