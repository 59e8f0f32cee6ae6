import { ConaxCall } from './conax-client.port';

/**
 * Renders the exact request payload sent to Conax for a request. The shapes live in the Conax adapter's
 * message module, so that the real WSDL's shapes can replace them in one place.
 */
export interface ConaxRequestFormat {
  render(call: ConaxCall, requestId: string, sequenceNumber: string): string;
  /**
   * Why a caller's text (a message to a card) cannot be sent in Conax's configured charset, or null when it
   * can: checked at creation, so such a text is refused then and never rejected later (SPEC §8).
   */
  unsendableText(text: string): string | null;
}

export const CONAX_REQUEST_FORMAT = Symbol('ConaxRequestFormat');
