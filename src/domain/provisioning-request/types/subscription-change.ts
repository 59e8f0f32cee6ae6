import { checkTiming, OpenRequest, openedData } from '../decide';
import { DomainError } from '../errors';
import { RequestParameter, SubscriptionChangeRequestedData, SubscriptionIdentifier } from '../events';

/**
 * What ADD_SUBSCRIPTIONS and CANCEL_SUBSCRIPTIONS share: one service on one smartcard within a subscription,
 * with the catalogue's answers (CA IDs) already resolved by the handler.
 */
export interface ChangeSubscription extends OpenRequest {
  subscription: SubscriptionIdentifier;
  service: { id: string; service_ca_id: string };
  smartcard: { id: string; smartcard_ca_id: string; sub_provisioning_distribution_id: string | null };
  /** YYYY-MM-DD. */
  startDate: string;
  /** Ids for the `parameters_set` items, in order: smartcard, service, distribution (when known). */
  parameterIds: [string, string, string];
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkStartDate(startDate: string): void {
  const match = DAY.exec(startDate);
  const valid = match !== null && new Date(`${startDate}T00:00:00Z`).toISOString().startsWith(startDate);
  if (!valid) throw new DomainError('INVALID', 'start_date must be a real day.', 'start_date');
}

/** The creation data both types record (the caller sets `type`); checks the command first. */
export function subscriptionChangeData(command: ChangeSubscription): Omit<SubscriptionChangeRequestedData, 'type'> {
  validateSubscriptionChange(command);
  const [smartcardParameter, serviceParameter, distributionParameter] = command.parameterIds;
  const parameters: RequestParameter[] = [
    { id: smartcardParameter, smartcard_ca_id: command.smartcard.smartcard_ca_id },
    { id: serviceParameter, service_ca_id: command.service.service_ca_id },
  ];
  if (command.smartcard.sub_provisioning_distribution_id !== null) {
    parameters.push({ id: distributionParameter, sub_provisioning_distribution_id: command.smartcard.sub_provisioning_distribution_id });
  }
  return { ...openedData(command), service: command.service, smartcard: command.smartcard, start_date: command.startDate, parameters };
}

/** Checks a change before anything is allocated for it. */
export function validateSubscriptionChange(command: Pick<ChangeSubscription, 'processImmediately' | 'scheduledDate' | 'now' | 'startDate'>): void {
  checkTiming(command);
  checkStartDate(command.startDate);
}
