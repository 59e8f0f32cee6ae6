import { PairingRequestedData, RequestData, RequestType, SubscriptionChangeRequestedData } from '../../domain/provisioning-request';

/** The Conax operations this service calls (their SOAP shapes: src/infrastructure/conax/conax-messages.ts). */
export type ConaxOperation = 'CreatePairing' | 'AddSubscription' | 'CancelSubscription';
export const CONAX_OPERATIONS: readonly ConaxOperation[] = ['CreatePairing', 'AddSubscription', 'CancelSubscription'];

/**
 * What one request asks Conax to do, in Conax's terms: the operation and the CA-side values it carries.
 * The payload text is rendered from this (ConaxRequestFormat), and the connector uses the same values to ask
 * Conax whether an unanswered call was carried out.
 */
export interface ConaxCall {
  operation: ConaxOperation;
  smartcardCaIds: string[];
  stbCaIds: string[];
  serviceCaId: string | null;
  /** YYYY-MM-DD; null for operations without one. */
  startDate: string | null;
}

type CallOf<T extends RequestType> = (request: Extract<RequestData, { type: T }>) => ConaxCall;

function subscriptionChange(operation: ConaxOperation): (request: SubscriptionChangeRequestedData) => ConaxCall {
  return (request) => ({
    operation,
    smartcardCaIds: [request.smartcard.smartcard_ca_id],
    stbCaIds: [],
    serviceCaId: request.service.service_ca_id,
    startDate: request.start_date,
  });
}

/** One line per request type: a type missing here does not compile. */
const CONAX_CALLS: { [T in RequestType]: CallOf<T> } = {
  CREATE_PAIRING: (request: PairingRequestedData) => ({
    operation: 'CreatePairing',
    smartcardCaIds: request.smartcards.map((s) => s.smartcard_ca_id),
    stbCaIds: request.stbs.map((s) => s.stb_ca_id),
    serviceCaId: null,
    startDate: null,
  }),
  ADD_SUBSCRIPTIONS: subscriptionChange('AddSubscription'),
  CANCEL_SUBSCRIPTIONS: subscriptionChange('CancelSubscription'),
};

export function conaxCallOf(request: RequestData): ConaxCall {
  return (CONAX_CALLS[request.type] as CallOf<RequestType>)(request);
}
