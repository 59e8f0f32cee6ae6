import { RequestData, RequestType, SealedSecret } from '../../domain/provisioning-request';
import { ConaxCall, ConaxOperation } from '../ports/conax-client.port';
import { createPairing } from './create-pairing/create-pairing.definition';
import { RequestTypeDefinition } from './request-type-definition';
import { addSubscriptions, cancelSubscriptions } from './subscription-change/subscription-change.definition';
import {
  activeSubscriptions,
  addToExistingPairing,
  pairingStatusForCard,
  pairingStatusForPairingModule,
  pinToDefault,
  pinToGivenValue,
} from './card-requests/card-requests.definition';
import { barkMessage, displayFingerprint, mailMessage, repeatingBarkMessage } from './client-messages/client-messages.definition';

/**
 * Every request type this service creates, one line each: a type of the domain's RequestType missing here
 * does not compile, and everything that differs by type (routes, fingerprints, drafts, Conax calls, the
 * "already done?" query) is read from here.
 */
export const REQUEST_TYPE_DEFINITIONS = {
  CREATE_PAIRING: createPairing,
  ADD_SUBSCRIPTIONS: addSubscriptions,
  CANCEL_SUBSCRIPTIONS: cancelSubscriptions,
  ADD_TO_EXISTING_PAIRING: addToExistingPairing,
  GET_PAIRING_STATUS_FOR_CARD: pairingStatusForCard,
  GET_PAIRING_STATUS_FOR_PAIRING_MODULE: pairingStatusForPairingModule,
  GET_ACTIVE_SUBSCRIPTIONS: activeSubscriptions,
  DISPLAY_FINGERPRINT: displayFingerprint,
  UPDATE_CA_PIN_TO_DEFAULT_VALUE: pinToDefault,
  UPDATE_CA_PIN_TO_GIVEN_VALUE: pinToGivenValue,
  SEND_MAIL_MESSAGE_TO_CLIENT: mailMessage,
  SEND_BARK_MESSAGE_TO_CLIENT: barkMessage,
  SEND_REPEATING_BARK_MESSAGE_TO_CLIENT: repeatingBarkMessage,
} satisfies { [T in RequestType]: RequestTypeDefinition<T, never> };

type Definitions = typeof REQUEST_TYPE_DEFINITIONS;
/** The type's own part of its create input (what its route's body carries besides CreationInput). */
export type InputOf<T extends RequestType> = Definitions[T] extends RequestTypeDefinition<T, infer Input> ? Input : never;

export function definitionOf<T extends RequestType>(type: T): RequestTypeDefinition<T, InputOf<T>> {
  return REQUEST_TYPE_DEFINITIONS[type] as unknown as RequestTypeDefinition<T, InputOf<T>>;
}

export function conaxCallOf(request: RequestData): ConaxCall {
  return (definitionOf(request.type) as RequestTypeDefinition<RequestType, unknown>).conax.call(request);
}

/** The sealed secret a request's Conax call needs (its PIN), or null. */
export function sealedSecretOf(request: RequestData): SealedSecret | null {
  return (definitionOf(request.type) as RequestTypeDefinition<RequestType, unknown>).conax.sealedSecret?.(request) ?? null;
}

/** The request type whose Conax operation this is. */
export function definitionOfOperation(operation: ConaxOperation): RequestTypeDefinition<RequestType, unknown> {
  const found = Object.values(REQUEST_TYPE_DEFINITIONS).find((definition) => definition.conax.operation === operation);
  if (!found) throw new Error(`No request type calls Conax's ${operation}.`);
  return found as unknown as RequestTypeDefinition<RequestType, unknown>;
}
