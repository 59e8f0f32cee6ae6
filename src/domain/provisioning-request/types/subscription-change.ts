import { checkTiming, DraftBase, openedData } from './draft';
import { DomainError } from '../errors';
import { RequestParameter, SubscriptionChangeRequestedData, SubscriptionIdentifier, SubscriptionsAddRequested, SubscriptionsCancelRequested } from '../events';

/**
 * ADD_SUBSCRIPTIONS and CANCEL_SUBSCRIPTIONS: one service on one smartcard within a subscription, with the
 * catalogue's answers (CA IDs) resolved before deciding.
 */
export interface SubscriptionChangeDraft extends DraftBase {
  type: 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS';
  subscription: SubscriptionIdentifier;
  service: { id: string; service_ca_id: string };
  smartcard: { id: string; smartcard_ca_id: string; sub_provisioning_distribution_id: string | null };
  /** YYYY-MM-DD. */
  startDate: string;
  /** Ids for the `parameters_set` items, in order: smartcard, service, distribution (when known). */
  parameterIds: [string, string, string];
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The rules a change's own content must meet (the catalogue look-up is the caller's). */
export function checkSubscriptionChange(draft: Pick<SubscriptionChangeDraft, 'processImmediately' | 'scheduledDate' | 'now' | 'startDate'>): void {
  checkTiming(draft);
  const match = DAY.exec(draft.startDate);
  const valid = match !== null && new Date(`${draft.startDate}T00:00:00Z`).toISOString().startsWith(draft.startDate);
  if (!valid) throw new DomainError('INVALID', 'start_date must be a real day.', 'start_date');
}

function changeData(draft: SubscriptionChangeDraft, number: string): Omit<SubscriptionChangeRequestedData, 'type'> {
  const [smartcardParameter, serviceParameter, distributionParameter] = draft.parameterIds;
  const parameters: RequestParameter[] = [
    { id: smartcardParameter, smartcard_ca_id: draft.smartcard.smartcard_ca_id },
    { id: serviceParameter, service_ca_id: draft.service.service_ca_id },
  ];
  if (draft.smartcard.sub_provisioning_distribution_id !== null) {
    parameters.push({ id: distributionParameter, sub_provisioning_distribution_id: draft.smartcard.sub_provisioning_distribution_id });
  }
  return { ...openedData(draft, number), service: draft.service, smartcard: draft.smartcard, start_date: draft.startDate, parameters };
}

export function openAddSubscriptions(draft: SubscriptionChangeDraft, number: string): SubscriptionsAddRequested {
  return { type: 'SubscriptionsAddRequested', data: { ...changeData(draft, number), type: 'ADD_SUBSCRIPTIONS' } };
}

export function openCancelSubscriptions(draft: SubscriptionChangeDraft, number: string): SubscriptionsCancelRequested {
  return { type: 'SubscriptionsCancelRequested', data: { ...changeData(draft, number), type: 'CANCEL_SUBSCRIPTIONS' } };
}
