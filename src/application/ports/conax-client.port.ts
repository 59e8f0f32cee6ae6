/**
 * The Conax side as the connector sees it. `createPairing` sends the recorded payload as it is; a Conax
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

export interface ConaxClient {
  createPairing(payload: string): Promise<ConaxCallResult>;
  pairingStatusForCard(smartcardCaId: string): Promise<PairingStatus>;
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
