import { ConaxCall } from './conax-client.port';

/**
 * Renders the exact request payload sent to Conax for a request. The shapes live in the Conax adapter's
 * message module, so that the real WSDL's shapes can replace them in one place.
 */
export interface ConaxRequestFormat {
  render(call: ConaxCall, requestId: string, sequenceNumber: string): string;
}

export const CONAX_REQUEST_FORMAT = Symbol('ConaxRequestFormat');
