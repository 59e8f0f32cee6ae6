import {
  isCreationEvent,
  ProvisioningRequestEvent,
  RequestData,
  RequestDispatchedData,
  RequestProcessedData,
  RequestRejectedData,
} from './events';

export interface DispatchFacts {
  sequenceNumber: string;
  processId: string | null;
  request: string;
  firstDispatchedAt: string;
  lastDispatchedAt: string;
  attempts: number;
  /** The sends whose Conax calls got no answer (ConaxCallUnanswered), by attempt number. */
  unansweredAttempts: number[];
}

export type ProvisioningRequestState =
  | { status: 'Initial' }
  | { status: 'Pending'; request: RequestData; dispatch: DispatchFacts | null }
  | { status: 'Completed'; request: RequestData; dispatch: DispatchFacts; outcome: RequestProcessedData }
  | {
      status: 'Rejected';
      request: RequestData;
      dispatch: DispatchFacts | null;
      rejection: RequestRejectedData;
    };

export const initialState: ProvisioningRequestState = { status: 'Initial' };

function recordDispatch(previous: DispatchFacts | null, data: RequestDispatchedData): DispatchFacts {
  if (previous === null) {
    return {
      sequenceNumber: data.sequence_number,
      processId: data.process_id,
      request: data.request,
      firstDispatchedAt: data.dispatched_at,
      lastDispatchedAt: data.dispatched_at,
      attempts: data.attempt,
      unansweredAttempts: [],
    };
  }
  return { ...previous, lastDispatchedAt: data.dispatched_at, attempts: Math.max(previous.attempts, data.attempt) };
}

/**
 * Folds one event into the state. Events are facts: an event that does not fit the state (which the
 * deciders never produce) leaves the state as it is rather than throwing, so replaying history never fails.
 */
export function evolve(state: ProvisioningRequestState, event: ProvisioningRequestEvent): ProvisioningRequestState {
  if (isCreationEvent(event)) {
    return state.status === 'Initial' ? { status: 'Pending', request: event.data, dispatch: null } : state;
  }
  switch (event.type) {
    case 'RequestDispatched':
      return state.status === 'Pending' ? { ...state, dispatch: recordDispatch(state.dispatch, event.data) } : state;
    case 'ConaxCallUnanswered':
      return state.status === 'Pending' && state.dispatch !== null && !state.dispatch.unansweredAttempts.includes(event.data.attempt)
        ? { ...state, dispatch: { ...state.dispatch, unansweredAttempts: [...state.dispatch.unansweredAttempts, event.data.attempt] } }
        : state;
    case 'RequestProcessed':
      return state.status === 'Pending' && state.dispatch !== null
        ? { status: 'Completed', request: state.request, dispatch: state.dispatch, outcome: event.data }
        : state;
    case 'RequestRejected':
      return state.status === 'Pending'
        ? { status: 'Rejected', request: state.request, dispatch: state.dispatch, rejection: event.data }
        : state;
  }
}

export function fold(events: readonly ProvisioningRequestEvent[]): ProvisioningRequestState {
  return events.reduce(evolve, initialState);
}

export function isFinal(state: ProvisioningRequestState): boolean {
  return state.status === 'Completed' || state.status === 'Rejected';
}
