import { inCanonicalOrder, isCreationEvent, parametersOf, ProvisioningRequestEvent, RequestParameter } from '../../domain/provisioning-request';
import { UserRef } from '../ports/event-store.port';
import { LifeCycleState, ProvisioningRequestView } from '../ports/read-model.port';

export const VIEW_FIELDS = [
  'id',
  'number',
  'type',
  'sequence_number',
  'scheduled_date',
  'executed_date',
  'priority',
  'process_immediately',
  'life_cycle_state',
  'request',
  'response',
  'reference_number',
  'error_code',
  'error_description',
  'process_name',
  'process_id',
  'subscription',
  'log_information',
  'parameters_set',
  'result',
] as const;
export type ViewField = (typeof VIEW_FIELDS)[number];

export interface EventContext {
  user: UserRef;
  timestamp: string;
}

/** A user as SPEC §3 shows it: the organisation stamped in event metadata is not part of it. */
function shownUser(user: UserRef): UserRef {
  return { id: user.id, username: user.username, person_name: user.person_name, email: user.email };
}

/** Pure: folds one event into the view. Returns null for an event that cannot start a view. */
export function evolveView(
  view: ProvisioningRequestView | null,
  event: ProvisioningRequestEvent,
  context: EventContext,
): ProvisioningRequestView | null {
  const user = shownUser(context.user);
  if (isCreationEvent(event)) {
    if (view) return view;
    const d = event.data;
    return {
      id: d.request_id,
      number: d.number,
      type: d.type,
      sequence_number: null,
      scheduled_date: d.scheduled_date,
      executed_date: null,
      priority: d.priority,
      process_immediately: d.process_immediately,
      life_cycle_state: 'PENDING',
      request: null,
      response: null,
      reference_number: null,
      error_code: null,
      error_description: null,
      process_name: d.process_name,
      process_id: d.process_id ?? null,
      subscription: d.subscription
        ? {
            id: 'id' in d.subscription ? d.subscription.id : null,
            number: 'number' in d.subscription ? d.subscription.number : null,
          }
        : null,
      log_information: {
        created_date: context.timestamp,
        created_by_user: user,
        updated_date: context.timestamp,
        updated_by_user: user,
      },
      parameters_set: parametersOf(d),
      result: null,
      internal: {
        organisation: d.organisation,
        due_at: d.scheduled_date ?? d.requested_at,
        scheduled_at: d.scheduled_date,
        requested_at: d.requested_at,
        last_dispatched_at: null,
        dispatch_attempts: 0,
      },
    };
  }
  if (!view) return null;
  const touched = {
    ...view,
    log_information: { ...view.log_information, updated_date: context.timestamp, updated_by_user: user },
  };
  switch (event.type) {
    case 'RequestDispatched':
      return {
        ...touched,
        sequence_number: view.sequence_number ?? event.data.sequence_number,
        process_id: view.process_id ?? event.data.process_id,
        request: event.data.request,
        internal: {
          ...view.internal,
          last_dispatched_at: event.data.dispatched_at,
          dispatch_attempts: Math.max(view.internal.dispatch_attempts, event.data.attempt),
        },
      };
    case 'ConaxCallUnanswered':
      return touched; // history holds it; the view's fields do not change until an outcome or a re-send
    case 'RequestProcessed':
      return {
        ...touched,
        life_cycle_state: 'COMPLETED',
        response: event.data.response,
        reference_number: event.data.reference_number,
        executed_date: event.data.executed_date,
        result: event.data.result ? inCanonicalOrder(event.data.result) : null,
      };
    case 'RequestRejected':
      return {
        ...touched,
        life_cycle_state: 'REJECTED',
        error_code: event.data.error_code,
        error_description: event.data.error_description,
        response: event.data.response ?? view.response,
        executed_date: event.data.executed_date ?? view.executed_date,
      };
  }
}
