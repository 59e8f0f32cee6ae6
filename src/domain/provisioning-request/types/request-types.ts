import { RequestCreationEvent, RequestType } from '../events';
import { checkPairing, openPairing, PairingDraft } from './create-pairing';
import { checkSubscriptionChange, openAddSubscriptions, openCancelSubscriptions, SubscriptionChangeDraft } from './subscription-change';

/** What a caller asks for, one shape per request type (everything but the number, which is drawn for it). */
export type RequestDraft = PairingDraft | SubscriptionChangeDraft;
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
};

export const REQUEST_TYPES = Object.keys(REQUEST_TYPE_RULES) as RequestType[];

export function rulesOf<T extends RequestType>(type: T): RequestTypeRules<T> {
  return REQUEST_TYPE_RULES[type] as RequestTypeRules<T>;
}
