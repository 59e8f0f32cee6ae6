import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  ChangeSubscription,
  decideAddSubscriptions,
  decideCancelSubscriptions,
  DomainError,
  ProvisioningRequestEvent,
  ProvisioningRequestState,
  validateSubscriptionChange,
} from '../../../domain/provisioning-request';
import { CATALOGUE, Catalogue } from '../../ports/catalogue.port';
import { CLOCK, Clock } from '../../ports/clock.port';
import { ID_GENERATOR, IdGenerator } from '../../ports/id-generator.port';
import { ProvisioningRequestView } from '../../read-model/provisioning-request-view';
import { fingerprintOf, RequestCreation } from '../request-creation';
import { AddSubscriptionsCommand, CancelSubscriptionsCommand } from './subscription-change.command';

type Decider = (state: ProvisioningRequestState, command: ChangeSubscription) => ProvisioningRequestEvent[];

/**
 * Shared by ADD_SUBSCRIPTIONS and CANCEL_SUBSCRIPTIONS: the service and the smartcard are resolved in the
 * catalogue when the request is created, and their CA IDs recorded in the creation event. The fingerprint
 * holds the identifiers as the caller gave them, so a retry still matches after a catalogue change.
 */
abstract class SubscriptionChangeHandler {
  protected abstract readonly type: 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS';
  protected abstract readonly decide: Decider;

  constructor(
    private readonly creation: RequestCreation,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, context, abandoned }: AddSubscriptionsCommand | CancelSubscriptionsCommand): Promise<ProvisioningRequestView> {
    validateSubscriptionChange({ processImmediately: input.processImmediately, scheduledDate: input.scheduledDate, now: this.clock.now(), startDate: input.startDate });
    const requestId = this.creation.requestIdOf(input, context);
    const [service, smartcard] = await Promise.all([this.catalogue.findService(input.service), this.catalogue.findSmartcard(input.smartcard)]);
    // A retry with its Idempotency-Key returns the first request even after the catalogue dropped an entry:
    // the stream exists, so the decider only compares fingerprints and never records the placeholders.
    const retry = (!service || !smartcard) && input.idempotencyKey !== null && (await this.creation.exists(requestId));
    if (!service && !retry) throw new DomainError('INVALID', 'service_identifier names no service in the catalogue.', 'service_identifier');
    if (!smartcard && !retry) throw new DomainError('INVALID', 'smartcard_identifier names no smartcard in the catalogue.', 'smartcard_identifier');
    const fingerprint = fingerprintOf([this.type, input.subscription, input.processImmediately, input.scheduledDate?.toISOString() ?? null, input.priority, input.service, input.smartcard, input.startDate]);
    const change: ChangeSubscription = {
      ...this.creation.opening(input, requestId, fingerprint),
      subscription: input.subscription,
      service: { id: service?.id ?? '', service_ca_id: service?.service_ca_id ?? '' },
      smartcard: {
        id: smartcard?.id ?? '',
        smartcard_ca_id: smartcard?.smartcard_ca_id ?? '',
        sub_provisioning_distribution_id: smartcard?.sub_provisioning_distribution_id ?? null,
      },
      startDate: input.startDate,
      parameterIds: [this.ids.newId(), this.ids.newId(), this.ids.newId()],
    };
    return this.creation.create(this.type.toLowerCase(), requestId, input, context, (state, number) => this.decide(state, { ...change, number }), abandoned);
  }
}

@CommandHandler(AddSubscriptionsCommand)
export class AddSubscriptionsHandler extends SubscriptionChangeHandler implements ICommandHandler<AddSubscriptionsCommand, ProvisioningRequestView> {
  protected readonly type = 'ADD_SUBSCRIPTIONS';
  protected readonly decide = decideAddSubscriptions;
}

@CommandHandler(CancelSubscriptionsCommand)
export class CancelSubscriptionsHandler extends SubscriptionChangeHandler implements ICommandHandler<CancelSubscriptionsCommand, ProvisioningRequestView> {
  protected readonly type = 'CANCEL_SUBSCRIPTIONS';
  protected readonly decide = decideCancelSubscriptions;
}
