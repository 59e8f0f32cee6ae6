import { PairingRequestedData } from '../../domain/provisioning-request';

/**
 * Renders the exact request payload sent to Conax for a request. The shapes live in the Conax adapter's
 * message module, so that the real WSDL's shapes can replace them in one place.
 */
export interface ConaxRequestFormat {
  createPairing(request: PairingRequestedData, sequenceNumber: string): string;
}

export const CONAX_REQUEST_FORMAT = Symbol('ConaxRequestFormat');
