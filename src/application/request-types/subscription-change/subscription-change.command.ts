import { Command } from '@nestjs/cqrs';
import { SubscriptionIdentifier } from '../../../domain/provisioning-request';
import { ServiceIdentifier, SmartcardIdentifier } from '../../ports/catalogue.port';
import { CommandContext } from '../../provisioning-request-streams';
import { ProvisioningRequestView } from '../../read-model/provisioning-request-view';
import { CreationInput } from '../request-creation';

export interface SubscriptionChangeInput extends CreationInput {
  subscription: SubscriptionIdentifier;
  service: ServiceIdentifier;
  smartcard: SmartcardIdentifier;
  /** YYYY-MM-DD (the edge fills in the day of submission, in the service time zone, when none is given). */
  startDate: string;
}

/** POST add_subscriptions: activate one service on one smartcard. */
export class AddSubscriptionsCommand extends Command<ProvisioningRequestView> {
  readonly type = 'ADD_SUBSCRIPTIONS';
  constructor(
    readonly input: SubscriptionChangeInput,
    readonly context: CommandContext,
    readonly abandoned?: AbortSignal,
  ) {
    super();
  }
}

/** POST cancel_subscriptions: deactivate one service on one smartcard. */
export class CancelSubscriptionsCommand extends Command<ProvisioningRequestView> {
  readonly type = 'CANCEL_SUBSCRIPTIONS';
  constructor(
    readonly input: SubscriptionChangeInput,
    readonly context: CommandContext,
    readonly abandoned?: AbortSignal,
  ) {
    super();
  }
}
