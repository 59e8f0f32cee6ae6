import { checkSubscriptionChange, DomainError, SubscriptionIdentifier } from '../../../domain/provisioning-request';
import { ServiceIdentifier, SmartcardIdentifier } from '../../ports/catalogue.port';
import { ConaxCallResult } from '../../ports/conax-client.port';
import { RequestTypeDefinition } from '../request-type-definition';

export interface SubscriptionChangeInput {
  subscription: SubscriptionIdentifier;
  service: ServiceIdentifier;
  smartcard: SmartcardIdentifier;
  /** YYYY-MM-DD (the edge fills in the day of submission, in the service time zone, when none is given). */
  startDate: string;
}

/**
 * ADD_SUBSCRIPTIONS and CANCEL_SUBSCRIPTIONS: the service and the smartcard are resolved in the catalogue when
 * the request is created, and their CA IDs recorded in the creation event. The fingerprint holds the
 * identifiers as the caller gave them, so a retry still matches after a catalogue change.
 */
function subscriptionChange<T extends 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS'>(
  type: T,
  operation: 'AddSubscription' | 'CancelSubscription',
): RequestTypeDefinition<T, SubscriptionChangeInput> {
  return {
    type,
    route: type.toLowerCase(),
    fingerprint: (input) => [type, input.subscription, input.processImmediately, input.scheduledDate?.toISOString() ?? null, input.priority, input.service, input.smartcard, input.startDate],
    async draft(input, base, sources) {
      // The content's own rules first: a wrong day needs no catalogue look-up.
      checkSubscriptionChange({ ...base, startDate: input.startDate });
      const [service, smartcard] = await Promise.all([sources.catalogue.findService(input.service), sources.catalogue.findSmartcard(input.smartcard)]);
      if (!service) throw new DomainError('INVALID', 'service_identifier names no service in the catalogue.', 'service_identifier');
      if (!smartcard) throw new DomainError('INVALID', 'smartcard_identifier names no smartcard in the catalogue.', 'smartcard_identifier');
      return {
        ...base,
        subscription: input.subscription,
        service: { id: service.id, service_ca_id: service.service_ca_id },
        smartcard: { id: smartcard.id, smartcard_ca_id: smartcard.smartcard_ca_id, sub_provisioning_distribution_id: smartcard.sub_provisioning_distribution_id },
        startDate: input.startDate,
        parameterIds: [sources.newId(), sources.newId(), sources.newId()],
      };
    },
    conax: {
      operation,
      call: (request) => ({
        operation,
        smartcardCaIds: [request.smartcard.smartcard_ca_id],
        stbCaIds: [],
        serviceCaId: request.service.service_ca_id,
        startDate: request.start_date,
      }),
      // An add is done when the service is active on the card; a cancel, when it is among the card's cancelled services and not active.
      async alreadyDone(client, call): Promise<ConaxCallResult | null> {
        const card = call.smartcardCaIds[0];
        if (card === undefined || call.serviceCaId === null) return null;
        const status = await client.subscriptionStatusForCard(card);
        const entry = (operation === 'AddSubscription' ? status.active : status.cancelled).find((item) => item.serviceCaId === call.serviceCaId);
        if (!entry || (operation === 'CancelSubscription' && status.active.some((item) => item.serviceCaId === call.serviceCaId))) return null;
        return { kind: 'accepted', response: status.response, referenceNumber: entry.referenceNumber };
      },
    },
  };
}

/** ADD_SUBSCRIPTIONS: activate one service on one smartcard. */
export const addSubscriptions = subscriptionChange('ADD_SUBSCRIPTIONS', 'AddSubscription');
/** CANCEL_SUBSCRIPTIONS: deactivate one service on one smartcard. */
export const cancelSubscriptions = subscriptionChange('CANCEL_SUBSCRIPTIONS', 'CancelSubscription');
