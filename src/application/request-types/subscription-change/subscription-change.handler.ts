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
async function changeSubscription(
  type: 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS',
  decide: Decider,
  command: AddSubscriptionsCommand | CancelSubscriptionsCommand,
  deps: { creation: RequestCreation; catalogue: Catalogue; ids: IdGenerator; clock: Clock },
): Promise<ProvisioningRequestView> {
  const { input, context, abandoned } = command;
  const now = deps.clock.now();
  validateSubscriptionChange({ processImmediately: input.processImmediately, scheduledDate: input.scheduledDate, now, startDate: input.startDate });
  const requestId = deps.creation.requestIdOf(input, context);
  const [service, smartcard] = await Promise.all([deps.catalogue.findService(input.service), deps.catalogue.findSmartcard(input.smartcard)]);
  // A retry with its Idempotency-Key returns the first request even after the catalogue dropped an entry:
  // the stream exists, so the decider only compares fingerprints and never records the placeholders.
  const retry = (!service || !smartcard) && input.idempotencyKey !== null && (await deps.creation.exists(requestId));
  if (!service && !retry) throw new DomainError('INVALID', 'service_identifier names no service in the catalogue.', 'service_identifier');
  if (!smartcard && !retry) throw new DomainError('INVALID', 'smartcard_identifier names no smartcard in the catalogue.', 'smartcard_identifier');
  const resolvedService = service ?? { id: '', service_ca_id: '' };
  const resolvedSmartcard = smartcard ?? { id: '', smartcard_ca_id: '', sub_provisioning_distribution_id: null };
  const change: ChangeSubscription = {
    requestId,
    number: '',
    organisation: input.organisation,
    subscription: input.subscription,
    processImmediately: input.processImmediately,
    scheduledDate: input.scheduledDate,
    priority: input.priority,
    service: { id: resolvedService.id, service_ca_id: resolvedService.service_ca_id },
    smartcard: {
      id: resolvedSmartcard.id,
      smartcard_ca_id: resolvedSmartcard.smartcard_ca_id,
      sub_provisioning_distribution_id: resolvedSmartcard.sub_provisioning_distribution_id,
    },
    startDate: input.startDate,
    parameterIds: [deps.ids.newId(), deps.ids.newId(), deps.ids.newId()],
    fingerprint: fingerprintOf([type, input.subscription, input.processImmediately, input.scheduledDate?.toISOString() ?? null, input.priority, input.service, input.smartcard, input.startDate]),
    now,
  };
  const commandName = type.toLowerCase();
  return deps.creation.create(commandName, requestId, input, context, (state, number) => decide(state, { ...change, number }), abandoned);
}

@CommandHandler(AddSubscriptionsCommand)
export class AddSubscriptionsHandler implements ICommandHandler<AddSubscriptionsCommand, ProvisioningRequestView> {
  constructor(
    readonly creation: RequestCreation,
    @Inject(CATALOGUE) readonly catalogue: Catalogue,
    @Inject(ID_GENERATOR) readonly ids: IdGenerator,
    @Inject(CLOCK) readonly clock: Clock,
  ) {}

  execute(command: AddSubscriptionsCommand): Promise<ProvisioningRequestView> {
    return changeSubscription('ADD_SUBSCRIPTIONS', decideAddSubscriptions, command, this);
  }
}

@CommandHandler(CancelSubscriptionsCommand)
export class CancelSubscriptionsHandler implements ICommandHandler<CancelSubscriptionsCommand, ProvisioningRequestView> {
  constructor(
    readonly creation: RequestCreation,
    @Inject(CATALOGUE) readonly catalogue: Catalogue,
    @Inject(ID_GENERATOR) readonly ids: IdGenerator,
    @Inject(CLOCK) readonly clock: Clock,
  ) {}

  execute(command: CancelSubscriptionsCommand): Promise<ProvisioningRequestView> {
    return changeSubscription('CANCEL_SUBSCRIPTIONS', decideCancelSubscriptions, command, this);
  }
}
