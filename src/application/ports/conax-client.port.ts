import { ConaxOperation } from '../request-types/conax-call';

/**
 * The Conax side as the connector sees it. `call` sends the recorded payload of an operation as it is; a Conax
 * fault (a definite "no") is a result, while anything that may succeed on a later try throws
 * ConaxTransientError.
 */
export type ConaxCallResult =
  | { kind: 'accepted'; response: string; referenceNumber: string }
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

export interface ConaxClient {
  call(operation: ConaxOperation, payload: string): Promise<ConaxCallResult>;
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
