import { decideOpen } from '../decide';
import { SubscriptionsAddRequested } from '../events';
import { ProvisioningRequestState } from '../state';
import { ChangeSubscription, subscriptionChangeData } from './subscription-change';

/** Opens an ADD_SUBSCRIPTIONS request: activate one service on one smartcard. */
export function decideAddSubscriptions(state: ProvisioningRequestState, command: ChangeSubscription): SubscriptionsAddRequested[] {
  return decideOpen(state, command.fingerprint, () => ({
    type: 'SubscriptionsAddRequested',
    data: { ...subscriptionChangeData(command), type: 'ADD_SUBSCRIPTIONS' },
  }));
}
