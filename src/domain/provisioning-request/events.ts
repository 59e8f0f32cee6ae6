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

/** The request types this service creates (SPEC §3 lists more; each new one is a folder under `types/`). */
export type RequestType = 'CREATE_PAIRING' | 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS';

/** One item of `parameters_set`: an id and exactly one CA-side value (SPEC §3, §4). */
export type RequestParameter =
  | { id: string; smartcard_ca_id: string }
  | { id: string; stb_ca_id: string }
  | { id: string; service_ca_id: string }
  | { id: string; sub_provisioning_distribution_id: string };

/** What every creation event carries, whatever the type: the life cycle reads only these. */
export interface RequestOpenedData {
  request_id: string;
  number: string;
  type: RequestType;
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
  requested_at: string;
  /** Hash of what the caller asked for; a repeat with the same fingerprint is the same request. */
  fingerprint: string;
}

export interface PairingRequestedData extends RequestOpenedData {
  type: 'CREATE_PAIRING';
  smartcards: SmartcardParameter[];
  stbs: StbParameter[];
}

/**
 * One service on one smartcard, as resolved from the catalogue when the request was created: later catalogue
 * changes never alter a request.
 */
export interface SubscriptionChangeRequestedData extends RequestOpenedData {
  type: 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS';
  service: { id: string; service_ca_id: string };
  smartcard: { id: string; smartcard_ca_id: string; sub_provisioning_distribution_id: string | null };
  /** The day the change takes effect at Conax (YYYY-MM-DD). */
  start_date: string;
  /** The request's `parameters_set`, ids drawn at creation. */
  parameters: RequestParameter[];
}

export type RequestData = PairingRequestedData | SubscriptionChangeRequestedData;

export interface RequestDispatchedData {
  sequence_number: string;
  /** The processing run that sent it (a request sent at once on creation is a run of its own); null in events stored before that. */
  process_id: string | null;
  /** The exact request payload handed to the Conax connector. */
  request: string;
  dispatched_at: string;
  /** 1 for the first send; re-sends after an outcome timeout count up. */
  attempt: number;
}

/**
 * The connector called Conax for one send and got no answer it could use (every call of its bounded
 * retries timed out, was cut, or was refused). Only these count towards CONAX_TIMEOUT: a send still
 * waiting in the connector's queue has not been called and is never given up on.
 */
export interface ConaxCallUnansweredData {
  attempt: number;
  /** When the connector began calling for this send. */
  called_at: string;
  /** When it gave up on this send's calls. */
  gave_up_at: string;
  /** The last failure, as the connector saw it. */
  reason: string;
}

export interface RequestProcessedData {
  response: string;
  reference_number: string;
  executed_date: string;
}

export type RejectedBy = 'CONAX' | 'SERVICE';

export interface RequestRejectedData {
  error_code: string;
  error_description: string;
  rejected_at: string;
  rejected_by: RejectedBy;
  /** Conax's reply when Conax rejected it; null when the service did. */
  response: string | null;
  executed_date: string | null;
}

export type PairingRequested = { type: 'PairingRequested'; data: PairingRequestedData };
export type SubscriptionsAddRequested = { type: 'SubscriptionsAddRequested'; data: SubscriptionChangeRequestedData & { type: 'ADD_SUBSCRIPTIONS' } };
export type SubscriptionsCancelRequested = {
  type: 'SubscriptionsCancelRequested';
  data: SubscriptionChangeRequestedData & { type: 'CANCEL_SUBSCRIPTIONS' };
};
export type RequestDispatched = { type: 'RequestDispatched'; data: RequestDispatchedData };
export type RequestProcessed = { type: 'RequestProcessed'; data: RequestProcessedData };
export type RequestRejected = { type: 'RequestRejected'; data: RequestRejectedData };
export type ConaxCallUnanswered = { type: 'ConaxCallUnanswered'; data: ConaxCallUnansweredData };

/** One creation event per request type (SPEC §7). */
export type RequestCreationEvent = PairingRequested | SubscriptionsAddRequested | SubscriptionsCancelRequested;
/** The life cycle every type shares. */
export type RequestLifeCycleEvent = RequestDispatched | ConaxCallUnanswered | RequestProcessed | RequestRejected;
export type ProvisioningRequestEvent = RequestCreationEvent | RequestLifeCycleEvent;
export type ProvisioningRequestEventType = ProvisioningRequestEvent['type'];

/** One line per creation event: a creation event missing here does not compile. */
const CREATION_EVENTS: { [T in RequestCreationEvent['type']]: true } = {
  PairingRequested: true,
  SubscriptionsAddRequested: true,
  SubscriptionsCancelRequested: true,
};
export const CREATION_EVENT_TYPES = Object.keys(CREATION_EVENTS) as RequestCreationEvent['type'][];

export const PROVISIONING_REQUEST_EVENT_TYPES: readonly ProvisioningRequestEventType[] = [
  ...CREATION_EVENT_TYPES,
  'RequestDispatched',
  'ConaxCallUnanswered',
  'RequestProcessed',
  'RequestRejected',
];

export function isCreationEvent(event: ProvisioningRequestEvent): event is RequestCreationEvent {
  return (CREATION_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The request's `parameters_set`: a pairing lists its cards and boxes, the other types record theirs. */
export function parametersOf(request: RequestData): RequestParameter[] {
  return request.type === 'CREATE_PAIRING' ? [...request.smartcards, ...request.stbs] : request.parameters;
}

export const PROVISIONING_REQUEST_STREAM_PREFIX = 'provisioning_request-';

export function provisioningRequestStreamId(requestId: string): string {
  return `${PROVISIONING_REQUEST_STREAM_PREFIX}${requestId}`;
}

export function requestIdOfStream(streamId: string): string | null {
  return streamId.startsWith(PROVISIONING_REQUEST_STREAM_PREFIX)
    ? streamId.slice(PROVISIONING_REQUEST_STREAM_PREFIX.length)
    : null;
}
