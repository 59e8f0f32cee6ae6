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

/** The thirteen request types of SPEC §3, every one created by this service (each has its rules under `types/`). */
export type RequestType =
  | 'CREATE_PAIRING'
  | 'ADD_SUBSCRIPTIONS'
  | 'CANCEL_SUBSCRIPTIONS'
  | 'ADD_TO_EXISTING_PAIRING'
  | 'GET_PAIRING_STATUS_FOR_CARD'
  | 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE'
  | 'GET_ACTIVE_SUBSCRIPTIONS'
  | 'DISPLAY_FINGERPRINT'
  | 'UPDATE_CA_PIN_TO_DEFAULT_VALUE'
  | 'UPDATE_CA_PIN_TO_GIVEN_VALUE'
  | 'SEND_MAIL_MESSAGE_TO_CLIENT'
  | 'SEND_BARK_MESSAGE_TO_CLIENT'
  | 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT';

/** One item of `parameters_set`: an id and exactly one CA-side value (SPEC §3, §4). */
export type RequestParameter =
  | { id: string; smartcard_ca_id: string }
  | { id: string; stb_ca_id: string }
  | { id: string; service_ca_id: string }
  | { id: string; sub_provisioning_distribution_id: string }
  | { id: string; text: string }
  | { id: string; start_date: string }
  | { id: string; duration_seconds: number }
  | { id: string; repetitions: number }
  | { id: string; interval_seconds: number }
  /** A PIN is never shown: its parameter always reads "****" (SPEC §8). */
  | { id: string; pin: typeof MASKED_PIN };

export const MASKED_PIN = '****';

/**
 * A secret as the event store keeps it: AES-256-GCM under the request's own key (held outside the log, and
 * destroyed once the request is final, after which this can no longer be opened: crypto-shredding).
 */
export interface SealedSecret {
  /** base64 */
  ciphertext: string;
  /** base64, 12 bytes */
  iv: string;
  /** base64, 16 bytes */
  tag: string;
}

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
  /** The batch that created it (SPEC §10); absent for a request created on its own. */
  process_id?: string;
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

/** What every type of SPEC §8 records besides the life cycle's fields: its `parameters_set`, ids drawn at creation. */
interface ParametersRecorded {
  parameters: RequestParameter[];
}

/** ADD_TO_EXISTING_PAIRING: STBs added to the pairing a card already has. */
export interface AddToExistingPairingRequestedData extends RequestOpenedData, ParametersRecorded {
  type: 'ADD_TO_EXISTING_PAIRING';
  smartcard_ca_id: string;
  stb_ca_ids: string[];
}

/** The three queries and the reset to the default PIN: one smartcard, nothing else. */
export interface CardRequestedData extends RequestOpenedData, ParametersRecorded {
  type: 'GET_PAIRING_STATUS_FOR_CARD' | 'GET_ACTIVE_SUBSCRIPTIONS' | 'UPDATE_CA_PIN_TO_DEFAULT_VALUE';
  smartcard_ca_id: string;
}

export interface PairingModuleStatusRequestedData extends RequestOpenedData, ParametersRecorded {
  type: 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE';
  stb_ca_id: string;
}

export interface PinChangeRequestedData extends RequestOpenedData, ParametersRecorded {
  type: 'UPDATE_CA_PIN_TO_GIVEN_VALUE';
  smartcard_ca_id: string;
  /** The PIN, sealed under the request's own key: never in clear anywhere (SPEC §8). */
  sealed_pin: SealedSecret;
}

export interface FingerprintDisplayRequestedData extends RequestOpenedData, ParametersRecorded {
  type: 'DISPLAY_FINGERPRINT';
  smartcard_ca_ids: string[];
  /** ISO-8601 UTC instant. */
  start_date: string;
  duration_seconds: number;
}

/** Mail, bark and repeating bark messages to the cards' holders. */
export interface ClientMessageRequestedData extends RequestOpenedData, ParametersRecorded {
  type: 'SEND_MAIL_MESSAGE_TO_CLIENT' | 'SEND_BARK_MESSAGE_TO_CLIENT' | 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT';
  smartcard_ca_ids: string[];
  text: string;
  /** ISO-8601 UTC instant. */
  start_date: string;
  /** Bark messages only; null for mail. */
  duration_seconds: number | null;
  /** Repeating bark messages only; null otherwise. */
  repetitions: number | null;
  interval_seconds: number | null;
}

export type RequestData =
  | PairingRequestedData
  | SubscriptionChangeRequestedData
  | AddToExistingPairingRequestedData
  | CardRequestedData
  | PairingModuleStatusRequestedData
  | PinChangeRequestedData
  | FingerprintDisplayRequestedData
  | ClientMessageRequestedData;

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
  /**
   * What a query type's answer says, read from `response` (SPEC §8), e.g. {"status":"PAIRED","stbs":[…]};
   * absent for the types that change something, and in events stored before there were queries.
   */
  result?: QueryResult;
}

export type QueryResult =
  | { status: 'PAIRED' | 'NOT_PAIRED'; stbs: string[] }
  | { cards: string[] }
  | { services: { service_ca_id: string }[] };

/**
 * A query result with its members in one order, whatever order the store gave them back in (PostgreSQL's
 * jsonb keeps its own): a view folded from the events is then the same bytes wherever it is folded.
 */
export function inCanonicalOrder(result: QueryResult): QueryResult {
  if ('status' in result) return { status: result.status, stbs: result.stbs };
  if ('cards' in result) return { cards: result.cards };
  return { services: result.services.map((service) => ({ service_ca_id: service.service_ca_id })) };
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
type Requested<E extends string, D extends RequestOpenedData> = { type: E; data: D };
export type AddToExistingPairingRequested = Requested<'AddToExistingPairingRequested', AddToExistingPairingRequestedData>;
export type CardPairingStatusRequested = Requested<'CardPairingStatusRequested', CardRequestedData & { type: 'GET_PAIRING_STATUS_FOR_CARD' }>;
export type PairingModuleStatusRequested = Requested<'PairingModuleStatusRequested', PairingModuleStatusRequestedData>;
export type ActiveSubscriptionsRequested = Requested<'ActiveSubscriptionsRequested', CardRequestedData & { type: 'GET_ACTIVE_SUBSCRIPTIONS' }>;
export type FingerprintDisplayRequested = Requested<'FingerprintDisplayRequested', FingerprintDisplayRequestedData>;
export type DefaultPinResetRequested = Requested<'DefaultPinResetRequested', CardRequestedData & { type: 'UPDATE_CA_PIN_TO_DEFAULT_VALUE' }>;
export type PinChangeRequested = Requested<'PinChangeRequested', PinChangeRequestedData>;
export type MailMessageRequested = Requested<'MailMessageRequested', ClientMessageRequestedData & { type: 'SEND_MAIL_MESSAGE_TO_CLIENT' }>;
export type BarkMessageRequested = Requested<'BarkMessageRequested', ClientMessageRequestedData & { type: 'SEND_BARK_MESSAGE_TO_CLIENT' }>;
export type RepeatingBarkMessageRequested = Requested<
  'RepeatingBarkMessageRequested',
  ClientMessageRequestedData & { type: 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT' }
>;
export type RequestDispatched = { type: 'RequestDispatched'; data: RequestDispatchedData };
export type RequestProcessed = { type: 'RequestProcessed'; data: RequestProcessedData };
export type RequestRejected = { type: 'RequestRejected'; data: RequestRejectedData };
export type ConaxCallUnanswered = { type: 'ConaxCallUnanswered'; data: ConaxCallUnansweredData };

/** One creation event per request type (SPEC §7). */
export type RequestCreationEvent =
  | PairingRequested
  | SubscriptionsAddRequested
  | SubscriptionsCancelRequested
  | AddToExistingPairingRequested
  | CardPairingStatusRequested
  | PairingModuleStatusRequested
  | ActiveSubscriptionsRequested
  | FingerprintDisplayRequested
  | DefaultPinResetRequested
  | PinChangeRequested
  | MailMessageRequested
  | BarkMessageRequested
  | RepeatingBarkMessageRequested;
/** The life cycle every type shares. */
export type RequestLifeCycleEvent = RequestDispatched | ConaxCallUnanswered | RequestProcessed | RequestRejected;
export type ProvisioningRequestEvent = RequestCreationEvent | RequestLifeCycleEvent;
export type ProvisioningRequestEventType = ProvisioningRequestEvent['type'];

/** One line per creation event: a creation event missing here does not compile. */
const CREATION_EVENTS: { [T in RequestCreationEvent['type']]: true } = {
  PairingRequested: true,
  SubscriptionsAddRequested: true,
  SubscriptionsCancelRequested: true,
  AddToExistingPairingRequested: true,
  CardPairingStatusRequested: true,
  PairingModuleStatusRequested: true,
  ActiveSubscriptionsRequested: true,
  FingerprintDisplayRequested: true,
  DefaultPinResetRequested: true,
  PinChangeRequested: true,
  MailMessageRequested: true,
  BarkMessageRequested: true,
  RepeatingBarkMessageRequested: true,
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

/** The request's `parameters_set`: a pairing lists its cards and boxes, the other types record theirs (a PIN as "****"). */
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

/** The members of event data that hold a secret, sealed: kept in the log for the connector, shown to nobody. */
const SEALED_MEMBERS = new Set(['sealed_pin']);

/** An event's data as it may be shown or published (history, integration events): without its sealed secrets. */
export function shownData(data: ProvisioningRequestEvent['data']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([key]) => !SEALED_MEMBERS.has(key)));
}
