import { checkTiming, DraftBase, openedData } from './draft';
import { checkCaId, checkCaIdSet, parameterIdAt } from './content-rules';
import { DomainError } from '../errors';
import {
  ActiveSubscriptionsRequested,
  AddToExistingPairingRequested,
  CardPairingStatusRequested,
  DefaultPinResetRequested,
  MASKED_PIN,
  PairingModuleStatusRequested,
  PinChangeRequested,
  RequestParameter,
  SealedSecret,
} from '../events';

/** GET_PAIRING_STATUS_FOR_CARD, GET_ACTIVE_SUBSCRIPTIONS and UPDATE_CA_PIN_TO_DEFAULT_VALUE: one smartcard. */
export interface CardDraft extends DraftBase {
  type: 'GET_PAIRING_STATUS_FOR_CARD' | 'GET_ACTIVE_SUBSCRIPTIONS' | 'UPDATE_CA_PIN_TO_DEFAULT_VALUE';
  smartcardCaId: string;
  parameterIds: string[];
}

export function checkCard(draft: Pick<CardDraft, 'smartcardCaId' | 'processImmediately' | 'scheduledDate' | 'now'>): void {
  checkCaId(draft.smartcardCaId, 'smartcard_ca_id');
  checkTiming(draft);
}

function cardData(draft: CardDraft | PinChangeDraft, number: string) {
  const parameters: RequestParameter[] = [{ id: parameterIdAt(draft.parameterIds, 0), smartcard_ca_id: draft.smartcardCaId }];
  return { ...openedData(draft, number), smartcard_ca_id: draft.smartcardCaId, parameters };
}

export function openCardPairingStatus(draft: CardDraft, number: string): CardPairingStatusRequested {
  return { type: 'CardPairingStatusRequested', data: { ...cardData(draft, number), type: 'GET_PAIRING_STATUS_FOR_CARD' } };
}

export function openActiveSubscriptions(draft: CardDraft, number: string): ActiveSubscriptionsRequested {
  return { type: 'ActiveSubscriptionsRequested', data: { ...cardData(draft, number), type: 'GET_ACTIVE_SUBSCRIPTIONS' } };
}

export function openDefaultPinReset(draft: CardDraft, number: string): DefaultPinResetRequested {
  return { type: 'DefaultPinResetRequested', data: { ...cardData(draft, number), type: 'UPDATE_CA_PIN_TO_DEFAULT_VALUE' } };
}

/** UPDATE_CA_PIN_TO_GIVEN_VALUE: the PIN arrives sealed (its four digits were checked before sealing). */
export interface PinChangeDraft extends DraftBase {
  type: 'UPDATE_CA_PIN_TO_GIVEN_VALUE';
  smartcardCaId: string;
  sealedPin: SealedSecret;
  parameterIds: string[];
}

export function checkPinChange(draft: PinChangeDraft): void {
  checkCard(draft);
  if (!draft.sealedPin.ciphertext || !draft.sealedPin.iv || !draft.sealedPin.tag) {
    throw new DomainError('INVALID', 'pin must be given.', 'pin');
  }
}

export function openPinChange(draft: PinChangeDraft, number: string): PinChangeRequested {
  const data = cardData(draft, number);
  return {
    type: 'PinChangeRequested',
    data: {
      ...data,
      type: 'UPDATE_CA_PIN_TO_GIVEN_VALUE',
      sealed_pin: draft.sealedPin,
      parameters: [...data.parameters, { id: parameterIdAt(draft.parameterIds, 1), pin: MASKED_PIN }],
    },
  };
}

/** GET_PAIRING_STATUS_FOR_PAIRING_MODULE: one STB. */
export interface PairingModuleDraft extends DraftBase {
  type: 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE';
  stbCaId: string;
  parameterIds: string[];
}

export function checkPairingModule(draft: PairingModuleDraft): void {
  checkCaId(draft.stbCaId, 'stb_ca_id');
  checkTiming(draft);
}

export function openPairingModuleStatus(draft: PairingModuleDraft, number: string): PairingModuleStatusRequested {
  return {
    type: 'PairingModuleStatusRequested',
    data: {
      ...openedData(draft, number),
      type: 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE',
      stb_ca_id: draft.stbCaId,
      parameters: [{ id: parameterIdAt(draft.parameterIds, 0), stb_ca_id: draft.stbCaId }],
    },
  };
}

/** ADD_TO_EXISTING_PAIRING: one smartcard, STBs to add to its pairing. */
export interface AddToExistingPairingDraft extends DraftBase {
  type: 'ADD_TO_EXISTING_PAIRING';
  smartcardCaId: string;
  stbCaIds: string[];
  maxStbs: number;
  parameterIds: string[];
}

export function checkAddToExistingPairing(draft: AddToExistingPairingDraft): void {
  checkCaId(draft.smartcardCaId, 'smartcard_ca_id');
  checkCaIdSet(draft.stbCaIds, 'stb_set', draft.maxStbs);
  checkTiming(draft);
}

export function openAddToExistingPairing(draft: AddToExistingPairingDraft, number: string): AddToExistingPairingRequested {
  const parameters: RequestParameter[] = [
    { id: parameterIdAt(draft.parameterIds, 0), smartcard_ca_id: draft.smartcardCaId },
    ...draft.stbCaIds.map((stb_ca_id, index) => ({ id: parameterIdAt(draft.parameterIds, index + 1), stb_ca_id })),
  ];
  return {
    type: 'AddToExistingPairingRequested',
    data: { ...openedData(draft, number), type: 'ADD_TO_EXISTING_PAIRING', smartcard_ca_id: draft.smartcardCaId, stb_ca_ids: draft.stbCaIds, parameters },
  };
}
