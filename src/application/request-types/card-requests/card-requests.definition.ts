import { checkCard, checkPin } from '../../../domain/provisioning-request';
import { ConaxCall, ConaxCallResult, ConaxClient, ConaxOperation } from '../../ports/conax-client.port';
import { RequestDataOf, RequestTypeDefinition } from '../request-type-definition';
import { callAgain, creationFingerprint, parameterIds, SmartcardReference, smartcardCaIdOf } from '../shared-inputs';

export interface CardInput {
  smartcard: SmartcardReference;
}

const cardCall = (operation: ConaxOperation, smartcardCaId: string): ConaxCall => ({ operation, smartcardCaIds: [smartcardCaId], stbCaIds: [], serviceCaId: null, startDate: null });

/** One smartcard, nothing else: the card's pairing status, its active subscriptions, or a reset of its PIN. */
function cardRequest<T extends 'GET_PAIRING_STATUS_FOR_CARD' | 'GET_ACTIVE_SUBSCRIPTIONS' | 'UPDATE_CA_PIN_TO_DEFAULT_VALUE'>(
  type: T,
  operation: ConaxOperation,
): RequestTypeDefinition<T, CardInput> {
  return {
    type,
    route: type.toLowerCase(),
    fingerprint: (input) => [...creationFingerprint(type, input), input.smartcard],
    draft: async (input, base, sources) => ({ ...base, smartcardCaId: await smartcardCaIdOf(input.smartcard, sources), parameterIds: parameterIds(sources, 1) }),
    conax: {
      operation,
      call: (request: RequestDataOf<T>) => cardCall(operation, (request as RequestDataOf<T> & { smartcard_ca_id: string }).smartcard_ca_id),
      alreadyDone: callAgain,
    },
  };
}

/** GET_PAIRING_STATUS_FOR_CARD: answers PAIRED with the STBs, or NOT_PAIRED. */
export const pairingStatusForCard = cardRequest('GET_PAIRING_STATUS_FOR_CARD', 'GetPairingStatusForCard');
/** GET_ACTIVE_SUBSCRIPTIONS: answers the services active on the card. */
export const activeSubscriptions = cardRequest('GET_ACTIVE_SUBSCRIPTIONS', 'GetActiveSubscriptionsForCard');
/** UPDATE_CA_PIN_TO_DEFAULT_VALUE: resets the card's PIN (made twice, the PIN is still the default). */
export const pinToDefault = cardRequest('UPDATE_CA_PIN_TO_DEFAULT_VALUE', 'ResetPinToDefault');

export interface PinInput extends CardInput {
  /** Exactly four digits: sealed at once, never kept in clear. */
  pin: string;
}

/** UPDATE_CA_PIN_TO_GIVEN_VALUE: sets the card's PIN. The PIN is sealed before anything is stored. */
export const pinToGivenValue: RequestTypeDefinition<'UPDATE_CA_PIN_TO_GIVEN_VALUE', PinInput> = {
  type: 'UPDATE_CA_PIN_TO_GIVEN_VALUE',
  route: 'update_ca_pin_to_given_value',
  // Not the PIN: the fingerprint is stored with the event and published with it, and a SHA-256 over a list whose
  // other members are all in the event gives a four-digit PIN back in 10,000 tries, key destroyed or not. So a
  // retry with the same Idempotency-Key and another PIN answers the first request (docs/decisions.md).
  fingerprint: (input) => [...creationFingerprint('UPDATE_CA_PIN_TO_GIVEN_VALUE', input), input.smartcard],
  async draft(input, base, sources) {
    // Every rule is checked before the PIN is sealed: a refused request leaves no key behind.
    checkPin(input.pin, 'pin');
    const smartcardCaId = await smartcardCaIdOf(input.smartcard, sources);
    checkCard({ ...base, smartcardCaId });
    return { ...base, smartcardCaId, sealedPin: await sources.seal(base.requestId, input.pin), parameterIds: parameterIds(sources, 2) };
  },
  conax: {
    operation: 'SetPin',
    call: (request) => ({ ...cardCall('SetPin', request.smartcard_ca_id), pin: true }),
    alreadyDone: callAgain,
    sealedSecret: (request) => request.sealed_pin,
  },
};

export interface PairingModuleInput {
  stbCaId: string;
}

/** GET_PAIRING_STATUS_FOR_PAIRING_MODULE: answers the cards paired with the STB. */
export const pairingStatusForPairingModule: RequestTypeDefinition<'GET_PAIRING_STATUS_FOR_PAIRING_MODULE', PairingModuleInput> = {
  type: 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE',
  route: 'get_pairing_status_for_pairing_module',
  fingerprint: (input) => [...creationFingerprint('GET_PAIRING_STATUS_FOR_PAIRING_MODULE', input), input.stbCaId],
  draft: (input, base, sources) => ({ ...base, stbCaId: input.stbCaId, parameterIds: parameterIds(sources, 1) }),
  conax: {
    operation: 'GetPairingStatusForPairingModule',
    call: (request) => ({ operation: 'GetPairingStatusForPairingModule', smartcardCaIds: [], stbCaIds: [request.stb_ca_id], serviceCaId: null, startDate: null }),
    alreadyDone: callAgain,
  },
};

export interface AddToExistingPairingInput extends CardInput {
  stbCaIds: string[];
}

/** The STBs count as added when the card is paired with every one of them. */
async function stbsAlreadyAdded(client: ConaxClient, call: ConaxCall): Promise<ConaxCallResult | null> {
  const card = call.smartcardCaIds[0];
  if (card === undefined) return null;
  const status = await client.pairingStatusForCard(card);
  if (!status.paired || status.referenceNumber === null || !call.stbCaIds.every((stb) => status.stbCaIds.includes(stb))) return null;
  return { kind: 'accepted', response: status.response, referenceNumber: status.referenceNumber };
}

/** ADD_TO_EXISTING_PAIRING: adds STBs to the pairing the card already has (Conax refuses a card that has none). */
export const addToExistingPairing: RequestTypeDefinition<'ADD_TO_EXISTING_PAIRING', AddToExistingPairingInput> = {
  type: 'ADD_TO_EXISTING_PAIRING',
  route: 'add_to_existing_pairing',
  fingerprint: (input) => [...creationFingerprint('ADD_TO_EXISTING_PAIRING', input), input.smartcard, input.stbCaIds],
  draft: async (input, base, sources) => ({
    ...base,
    smartcardCaId: await smartcardCaIdOf(input.smartcard, sources),
    stbCaIds: input.stbCaIds,
    maxStbs: sources.limits.maxStbs,
    parameterIds: parameterIds(sources, 1 + input.stbCaIds.length),
  }),
  conax: {
    operation: 'AddToExistingPairing',
    call: (request) => ({ operation: 'AddToExistingPairing', smartcardCaIds: [request.smartcard_ca_id], stbCaIds: request.stb_ca_ids, serviceCaId: null, startDate: null }),
    alreadyDone: stbsAlreadyAdded,
  },
};
