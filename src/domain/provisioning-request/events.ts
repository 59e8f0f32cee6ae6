/**
 * Events of one provisioning request stream. Type names are stored as they are written here and never
 * derived from class names; the `data` shapes are version 1 of each event (older shapes, once there are
 * any, are upcast by the codec at the read boundary, never here).
 * All instants are ISO-8601 UTC strings so that an event is the same bytes wherever it is replayed.
 */

export type Priority = 'REGULAR' | 'EXPRESS';
export const PRIORITIES: readonly Priority[] = ['REGULAR', 'EXPRESS'];

export type ProcessName =
  | 'PROVISIONING_REQUEST_PROCESSING'
  | 'MAIL_BARK_MESSAGE_UTILITY'
  | 'PAIRING_UTILITY'
  | 'FIINGERPRINTING_UTILITY'
  | 'RESET_PIN'
  | 'MANUAL';

/** Exactly one of the two keys is set. */
export type SubscriptionIdentifier = { id: string } | { number: string };

export interface SmartcardParameter {
  id: string;
  smartcard_ca_id: string;
}
export interface StbParameter {
  id: string;
  stb_ca_id: string;
}

export interface PairingRequestedData {
  request_id: string;
  number: string;
  type: 'CREATE_PAIRING';
  /**
   * The organisation of the user who created it: only that organisation ever sees the request. Null only
   * for an event stored before organisations existed whose user's organisation cannot be found.
   */
  organisation: string | null;
  subscription: SubscriptionIdentifier | null;
  process_immediately: boolean;
  /** When it is due; null means due at once. */
  scheduled_date: string | null;
  priority: Priority;
  process_name: ProcessName;
  smartcards: SmartcardParameter[];
  stbs: StbParameter[];
  requested_at: string;
  /** Hash of what the caller asked for; a repeat with the same fingerprint is the same request. */
  fingerprint: string;
}

export interface PairingDispatchedData {
  sequence_number: string;
  /** The processing run that sent it; null when sent at once on creation (process_immediately). */
  process_id: string | null;
  /** The exact request payload handed to the Conax connector. */
  request: string;
  dispatched_at: string;
  /** 1 for the first send; re-sends after an outcome timeout count up. */
  attempt: number;
}

export interface PairingProcessedData {
  response: string;
  reference_number: string;
  executed_date: string;
}

export type RejectedBy = 'CONAX' | 'SERVICE';

export interface PairingRejectedData {
  error_code: string;
  error_description: string;
  rejected_at: string;
  rejected_by: RejectedBy;
  /** Conax's reply when Conax rejected it; null when the service did. */
  response: string | null;
  executed_date: string | null;
}

export type PairingRequested = { type: 'PairingRequested'; data: PairingRequestedData };
export type PairingDispatched = { type: 'PairingDispatched'; data: PairingDispatchedData };
export type PairingProcessed = { type: 'PairingProcessed'; data: PairingProcessedData };
export type PairingRejected = { type: 'PairingRejected'; data: PairingRejectedData };

export type ProvisioningRequestEvent = PairingRequested | PairingDispatched | PairingProcessed | PairingRejected;
export type ProvisioningRequestEventType = ProvisioningRequestEvent['type'];

export const PROVISIONING_REQUEST_EVENT_TYPES: readonly ProvisioningRequestEventType[] = [
  'PairingRequested',
  'PairingDispatched',
  'PairingProcessed',
  'PairingRejected',
];

export const PROVISIONING_REQUEST_STREAM_PREFIX = 'provisioning_request-';

export function provisioningRequestStreamId(requestId: string): string {
  return `${PROVISIONING_REQUEST_STREAM_PREFIX}${requestId}`;
}

export function requestIdOfStream(streamId: string): string | null {
  return streamId.startsWith(PROVISIONING_REQUEST_STREAM_PREFIX)
    ? streamId.slice(PROVISIONING_REQUEST_STREAM_PREFIX.length)
    : null;
}
