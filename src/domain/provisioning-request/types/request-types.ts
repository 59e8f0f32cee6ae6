import { RequestCreationEvent, RequestType } from '../events';
import { checkPairing, openPairing, PairingDraft } from './create-pairing';
import { checkSubscriptionChange, openAddSubscriptions, openCancelSubscriptions, SubscriptionChangeDraft } from './subscription-change';
import {
  AddToExistingPairingDraft,
  CardDraft,
  checkAddToExistingPairing,
  checkCard,
  checkPairingModule,
  checkPinChange,
  openActiveSubscriptions,
  openAddToExistingPairing,
  openCardPairingStatus,
  openDefaultPinReset,
  openPairingModuleStatus,
  openPinChange,
  PairingModuleDraft,
  PinChangeDraft,
} from './card-requests';
import {
  checkClientMessage,
  checkFingerprint,
  ClientMessageDraft,
  FingerprintDraft,
  openBarkMessage,
  openFingerprintDisplay,
  openMailMessage,
  openRepeatingBarkMessage,
} from './client-messages';

/** What a caller asks for, one shape per request type (everything but the number, which is drawn for it). */
export type RequestDraft =
  | PairingDraft
  | SubscriptionChangeDraft
  | AddToExistingPairingDraft
  | CardDraft
  | PairingModuleDraft
  | PinChangeDraft
  | FingerprintDraft
  | ClientMessageDraft;
export type DraftOf<T extends RequestType> = RequestDraft & { type: T };

/** The domain's part of a request type: its content rules and its creation event. */
export interface RequestTypeRules<T extends RequestType> {
  /** Throws a DomainError naming the field on the first breach; run before a number is drawn. */
  check(draft: DraftOf<T>): void;
  /** The creation event (the decider runs `check` first: a decision never trusts its caller). */
  open(draft: DraftOf<T>, number: string): Extract<RequestCreationEvent, { data: { type: T } }>;
  /** How people call it (the console, docs). */
  label: string;
}

/** One line per request type: a type missing here does not compile. */
export const REQUEST_TYPE_RULES: { [T in RequestType]: RequestTypeRules<T> } = {
  CREATE_PAIRING: { check: checkPairing, open: openPairing, label: 'Create pairing' },
  ADD_SUBSCRIPTIONS: { check: checkSubscriptionChange, open: openAddSubscriptions, label: 'Add subscriptions' },
  CANCEL_SUBSCRIPTIONS: { check: checkSubscriptionChange, open: openCancelSubscriptions, label: 'Cancel subscriptions' },
  ADD_TO_EXISTING_PAIRING: { check: checkAddToExistingPairing, open: openAddToExistingPairing, label: 'Add to existing pairing' },
  GET_PAIRING_STATUS_FOR_CARD: { check: checkCard, open: openCardPairingStatus, label: 'Pairing status for card' },
  GET_PAIRING_STATUS_FOR_PAIRING_MODULE: { check: checkPairingModule, open: openPairingModuleStatus, label: 'Pairing status for pairing module' },
  GET_ACTIVE_SUBSCRIPTIONS: { check: checkCard, open: openActiveSubscriptions, label: 'Active subscriptions' },
  DISPLAY_FINGERPRINT: { check: checkFingerprint, open: openFingerprintDisplay, label: 'Display fingerprint' },
  UPDATE_CA_PIN_TO_DEFAULT_VALUE: { check: checkCard, open: openDefaultPinReset, label: 'Reset PIN to default' },
  UPDATE_CA_PIN_TO_GIVEN_VALUE: { check: checkPinChange, open: openPinChange, label: 'Set PIN' },
  SEND_MAIL_MESSAGE_TO_CLIENT: { check: checkClientMessage, open: openMailMessage, label: 'Mail message' },
  SEND_BARK_MESSAGE_TO_CLIENT: { check: checkClientMessage, open: openBarkMessage, label: 'Bark message' },
  SEND_REPEATING_BARK_MESSAGE_TO_CLIENT: { check: checkClientMessage, open: openRepeatingBarkMessage, label: 'Repeating bark message' },
};

export const REQUEST_TYPES = Object.keys(REQUEST_TYPE_RULES) as RequestType[];

export function rulesOf<T extends RequestType>(type: T): RequestTypeRules<T> {
  return REQUEST_TYPE_RULES[type] as RequestTypeRules<T>;
}
