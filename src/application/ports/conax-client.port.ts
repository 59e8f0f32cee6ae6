/**
 * The Conax side as the connector sees it. `createPairing` sends the recorded payload as it is; a Conax
 * fault (a definite "no") is a result, while anything that may succeed on a later try throws
 * ConaxTransientError.
 */
export type ConaxCallResult =
  | { kind: 'accepted'; response: string; referenceNumber: string }
  | { kind: 'fault'; code: string; text: string; response: string };

export interface ConaxClient {
  createPairing(payload: string): Promise<ConaxCallResult>;
  close(): Promise<void>;
}

export class ConaxTransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConaxTransientError';
  }
}
