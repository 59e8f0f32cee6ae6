import { QueryResult } from '../../domain/provisioning-request';

/**
 * The Conax operations this service calls, one per line: a new one here does not compile until the SOAP
 * payload, the simulator and a request type's definition have it.
 */
const OPERATIONS = {
  CreatePairing: true,
  AddSubscription: true,
  CancelSubscription: true,
  AddToExistingPairing: true,
  GetPairingStatusForCard: true,
  GetPairingStatusForPairingModule: true,
  GetActiveSubscriptionsForCard: true,
  DisplayFingerprint: true,
  ResetPinToDefault: true,
  SetPin: true,
  SendMailMessage: true,
  SendBarkMessage: true,
  SendRepeatingBarkMessage: true,
} as const;
export type ConaxOperation = keyof typeof OPERATIONS;
export const CONAX_OPERATIONS = Object.keys(OPERATIONS) as ConaxOperation[];

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
  /** SPEC §8's other values, present only for the operations that carry them. */
  startsAt?: string;
  durationSeconds?: number;
  text?: string;
  repetitions?: number;
  intervalSeconds?: number;
  /**
   * The payload carries the request's PIN. It is rendered as "****" (the payload is recorded and published);
   * the connector opens the sealed PIN and puts it in only as it calls Conax.
   */
  pin?: true;
}

/**
 * The Conax side as the connector sees it. `call` sends the recorded payload of an operation as it is; a Conax
 * fault (a definite "no") is a result, while anything that may succeed on a later try throws
 * ConaxTransientError.
 */
export type ConaxCallResult =
  | { kind: 'accepted'; response: string; referenceNumber: string; result?: QueryResult }
  | { kind: 'fault'; code: string; text: string; response: string };

/** What Conax says a card is paired with (GET_PAIRING_STATUS_FOR_CARD). */
export interface PairingStatus {
  paired: boolean;
  stbCaIds: string[];
  referenceNumber: string | null;
  response: string;
}

/** What Conax says about a card's services (GET_ACTIVE_SUBSCRIPTIONS), with the reference of each add or cancel. */
export interface SubscriptionStatus {
  active: { serviceCaId: string; referenceNumber: string }[];
  cancelled: { serviceCaId: string; referenceNumber: string }[];
  response: string;
}

/** What a call needs that the recorded payload must never hold. */
export interface CallSecrets {
  pin?: string;
}

export interface ConaxClient {
  /** A query operation's accepted answer carries its parsed `result`. */
  call(operation: ConaxOperation, payload: string, secrets?: CallSecrets): Promise<ConaxCallResult>;
  pairingStatusForCard(smartcardCaId: string): Promise<PairingStatus>;
  subscriptionStatusForCard(smartcardCaId: string): Promise<SubscriptionStatus>;
  close(): Promise<void>;
}

export class ConaxTransientError extends Error {
  /**
   * True when the call may have reached Conax and been carried out (a timeout, a connection cut after the
   * request left); false when Conax certainly did nothing (refused connection, "unavailable", no session).
   */
  readonly maybeDelivered: boolean;

  constructor(message: string, options?: { cause?: unknown; maybeDelivered?: boolean }) {
    super(message, options);
    this.name = 'ConaxTransientError';
    this.maybeDelivered = options?.maybeDelivered ?? false;
  }
}
