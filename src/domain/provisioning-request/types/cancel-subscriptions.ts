import { decideOpen } from '../decide';
import { SubscriptionsCancelRequested } from '../events';
import { ProvisioningRequestState } from '../state';
import { ChangeSubscription, subscriptionChangeData } from './subscription-change';

/** Opens a CANCEL_SUBSCRIPTIONS request: deactivate one service on one smartcard. */
export function decideCancelSubscriptions(state: ProvisioningRequestState, command: ChangeSubscription): SubscriptionsCancelRequested[] {
  return decideOpen(state, command.fingerprint, () => ({
    type: 'SubscriptionsCancelRequested',
    data: { ...subscriptionChangeData(command), type: 'CANCEL_SUBSCRIPTIONS' },
  }));
}
