import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { ConaxRequestFormat } from '../../application/ports/conax-request-format.port';
import { CONAX_OPERATIONS, ConaxCall, ConaxOperation } from '../../application/ports/conax-client.port';
import { ConaxCharset, conaxCharset, firstUnencodable, UnencodableTextError } from './conax-charset';
import { MASKED_PIN, QueryResult } from '../../domain/provisioning-request';

/**
 * Every Conax message shape in one module. Conax's pairing WSDL is not public: these shapes are this
 * project's documented stand-in (docs/conax.md). The real WSDL's shapes replace this file; the rest of the
 * service only sees strings and the parsed results below.
 */
export const CONAX_NAMESPACE = 'urn:conax:contego:provisioning:v1';
const SOAP_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'CaId' || name === 'Service',
});

/** The body payload of each operation: this exact text is recorded as the request's `request`. */
const PAYLOADS: Record<ConaxOperation, (call: ConaxCall, requestId: string, sequenceNumber: string) => Record<string, unknown>> = {
  CreatePairing: (call, requestId, sequenceNumber) => ({
    RequestId: requestId,
    SequenceNumber: sequenceNumber,
    Smartcards: { CaId: call.smartcardCaIds },
    Stbs: { CaId: call.stbCaIds },
  }),
  AddSubscription: subscriptionPayload,
  CancelSubscription: subscriptionPayload,
  AddToExistingPairing: (call, requestId, sequenceNumber) => ({
    RequestId: requestId,
    SequenceNumber: sequenceNumber,
    SmartcardCaId: call.smartcardCaIds[0],
    Stbs: { CaId: call.stbCaIds },
  }),
  GetPairingStatusForCard: (call, requestId, sequenceNumber) => ({ RequestId: requestId, SequenceNumber: sequenceNumber, CaId: call.smartcardCaIds[0] }),
  GetActiveSubscriptionsForCard: (call, requestId, sequenceNumber) => ({ RequestId: requestId, SequenceNumber: sequenceNumber, CaId: call.smartcardCaIds[0] }),
  GetPairingStatusForPairingModule: (call, requestId, sequenceNumber) => ({ RequestId: requestId, SequenceNumber: sequenceNumber, CaId: call.stbCaIds[0] }),
  DisplayFingerprint: (call, requestId, sequenceNumber) => ({
    RequestId: requestId,
    SequenceNumber: sequenceNumber,
    Smartcards: { CaId: call.smartcardCaIds },
    StartTime: call.startsAt,
    DurationSeconds: call.durationSeconds,
  }),
  ResetPinToDefault: (call, requestId, sequenceNumber) => ({ RequestId: requestId, SequenceNumber: sequenceNumber, SmartcardCaId: call.smartcardCaIds[0] }),
  SetPin: (call, requestId, sequenceNumber) => ({ RequestId: requestId, SequenceNumber: sequenceNumber, SmartcardCaId: call.smartcardCaIds[0], Pin: MASKED_PIN }),
  SendMailMessage: messagePayload,
  SendBarkMessage: messagePayload,
  SendRepeatingBarkMessage: messagePayload,
};

/** Mail, bark and repeating bark: the members a type has no value for are left out. */
function messagePayload(call: ConaxCall, requestId: string, sequenceNumber: string): Record<string, unknown> {
  return {
    RequestId: requestId,
    SequenceNumber: sequenceNumber,
    Smartcards: { CaId: call.smartcardCaIds },
    Text: call.text,
    StartTime: call.startsAt,
    DurationSeconds: call.durationSeconds,
    Repetitions: call.repetitions,
    IntervalSeconds: call.intervalSeconds,
  };
}

/** The element a PIN is rendered in, masked: the recorded and published payload never holds the PIN. */
const MASKED_PIN_ELEMENT = `<Pin>${MASKED_PIN}</Pin>`;

/**
 * The payload as it goes to Conax, with the PIN in place of its mask. Only the SOAP client calls this, as it
 * sends; a payload without the mask is refused rather than sent without a PIN.
 */
export function withPin(payload: string, pin: string): string {
  if (!/^[0-9]{4}$/.test(pin)) throw new Error('A PIN is exactly four digits.');
  const at = payload.indexOf(MASKED_PIN_ELEMENT);
  if (at < 0) throw new Error('The payload has no masked PIN to fill in.');
  return `${payload.slice(0, at)}<Pin>${pin}</Pin>${payload.slice(at + MASKED_PIN_ELEMENT.length)}`;
}

function subscriptionPayload(call: ConaxCall, requestId: string, sequenceNumber: string): Record<string, unknown> {
  return {
    RequestId: requestId,
    SequenceNumber: sequenceNumber,
    SmartcardCaId: call.smartcardCaIds[0],
    ServiceCaId: call.serviceCaId,
    StartDate: call.startDate,
  };
}

export function renderPayload(call: ConaxCall, requestId: string, sequenceNumber: string): string {
  return builder.build({ [call.operation]: { '@_xmlns': CONAX_NAMESPACE, ...PAYLOADS[call.operation](call, requestId, sequenceNumber) } });
}

/** The pairing payload as the first release rendered it (tests build dispatches with it). */
export function createPairingPayload(request: { request_id: string; smartcards: { smartcard_ca_id: string }[]; stbs: { stb_ca_id: string }[] }, sequenceNumber: string): string {
  return renderPayload(
    { operation: 'CreatePairing', smartcardCaIds: request.smartcards.map((s) => s.smartcard_ca_id), stbCaIds: request.stbs.map((s) => s.stb_ca_id), serviceCaId: null, startDate: null },
    request.request_id,
    sequenceNumber,
  );
}

/** GET_PAIRING_STATUS_FOR_CARD: which STBs the card is paired with (asked before re-sending an uncertain pairing). */
export function pairingStatusPayload(smartcardCaId: string): string {
  return builder.build({ GetPairingStatusForCard: { '@_xmlns': CONAX_NAMESPACE, CaId: smartcardCaId } });
}

/** GET_ACTIVE_SUBSCRIPTIONS: the services active on a card, and those cancelled on it (asked before re-sending an uncertain change). */
export function subscriptionStatusPayload(smartcardCaId: string): string {
  return builder.build({ GetActiveSubscriptionsForCard: { '@_xmlns': CONAX_NAMESPACE, CaId: smartcardCaId } });
}

/** The request format for Conax's configured charset (CONAX_ENCODING). */
export function conaxRequestFormatFor(encoding: string): ConaxRequestFormat {
  const charset = conaxCharset(encoding) ?? 'UTF-8';
  return {
    render: renderPayload,
    unsendableText(text) {
      const codePoint = firstUnencodable(text, charset);
      return codePoint === null ? null : `cannot be sent to Conax: ${new UnencodableTextError(charset, codePoint).message}`;
    },
  };
}

export function loginPayload(username: string, password: string): string {
  return builder.build({ Login: { '@_xmlns': CONAX_NAMESPACE, UserName: username, Password: password } });
}

/**
 * Wraps a body payload; the session travels in the SOAP header, never in the recorded payload. The prolog
 * names the charset the bytes are actually written in.
 */
export function soapEnvelope(payload: string, sessionId: string | null, charset: ConaxCharset = 'UTF-8'): string {
  const header = sessionId
    ? builder.build({ Session: { '@_xmlns': CONAX_NAMESPACE, SessionId: sessionId } })
    : '';
  return (
    `<?xml version="1.0" encoding="${charset}"?>` +
    `<soap:Envelope xmlns:soap="${SOAP_NAMESPACE}"><soap:Header>${header}</soap:Header>` +
    `<soap:Body>${payload}</soap:Body></soap:Envelope>`
  );
}

/**
 * What the service keeps of a Conax reply as the request's `response`: the SOAP Body's content, exactly as
 * received (a reply or a Fault), the counterpart of `request`, which is the operation without the envelope
 * (whose header carries the Conax session, never stored). A reply without a Body is kept whole.
 */
export function soapBodyOf(reply: string): string {
  const match = /<(?:[\w.-]+:)?Body\b[^>]*>([\s\S]*)<\/(?:[\w.-]+:)?Body\s*>/.exec(reply);
  return match ? match[1] : reply;
}

export function soapFault(code: string, text: string, charset: ConaxCharset = 'UTF-8'): string {
  return soapEnvelope(builder.build({ 'soap:Fault': { faultcode: code, faultstring: text } }), null, charset);
}

export interface ServiceAtConax {
  serviceCaId: string;
  /** The reference Conax gave the add (active) or the cancel (cancelled). */
  referenceNumber: string;
}

export type ParsedReply =
  | { kind: 'fault'; code: string; text: string }
  | { kind: 'login'; sessionId: string }
  /** The answer to CreatePairing, AddSubscription or CancelSubscription: "OK <reference>" or an error text. */
  | { kind: 'result'; operation: ConaxOperation; status: string }
  | { kind: 'status'; paired: boolean; stbCaIds: string[]; referenceNumber: string | null; queryReference: string | null }
  | { kind: 'subscriptions'; active: ServiceAtConax[]; cancelled: ServiceAtConax[]; queryReference: string | null }
  | { kind: 'module'; cardCaIds: string[]; queryReference: string | null }
  | { kind: 'unreadable'; reason: string };

/** Reads any Conax reply. Unknown shapes are `unreadable` (treated as transient by the client). */
export function parseReply(xml: string): ParsedReply {
  let document: Record<string, any>;
  try {
    document = parser.parse(xml);
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  const body = document?.Envelope?.Body;
  if (!body || typeof body !== 'object') return { kind: 'unreadable', reason: 'no SOAP body' };
  if (body.Fault) return { kind: 'fault', code: String(body.Fault.faultcode ?? ''), text: String(body.Fault.faultstring ?? '') };
  if (body.LoginResponse?.SessionId) return { kind: 'login', sessionId: String(body.LoginResponse.SessionId) };
  for (const operation of CONAX_OPERATIONS) {
    const reply = body[`${operation}Response`];
    if (reply?.Status !== undefined) return { kind: 'result', operation, status: String(reply.Status) };
  }
  if (body.SubscriptionStatusResponse) {
    const services = (list: unknown): ServiceAtConax[] =>
      (Array.isArray(list) ? list : []).map((item: Record<string, unknown>) => ({
        serviceCaId: String(item.CaId ?? ''),
        referenceNumber: String(item.ReferenceNumber ?? ''),
      }));
    return {
      kind: 'subscriptions',
      active: services(body.SubscriptionStatusResponse.Active?.Service),
      cancelled: services(body.SubscriptionStatusResponse.Cancelled?.Service),
      queryReference: optionalText(body.SubscriptionStatusResponse.QueryReference),
    };
  }
  if (body.PairingModuleStatusResponse) {
    const cards = body.PairingModuleStatusResponse.Cards?.CaId;
    return { kind: 'module', cardCaIds: (Array.isArray(cards) ? cards : []).map(String), queryReference: optionalText(body.PairingModuleStatusResponse.QueryReference) };
  }
  const status = body.PairingStatusResponse;
  if (status?.Status !== undefined) {
    const stbs = status.Stbs?.CaId;
    return {
      kind: 'status',
      paired: String(status.Status) === 'PAIRED',
      stbCaIds: (Array.isArray(stbs) ? stbs : stbs === undefined ? [] : [stbs]).map(String),
      referenceNumber: optionalText(status.ReferenceNumber),
      queryReference: optionalText(status.QueryReference),
    };
  }
  return { kind: 'unreadable', reason: 'unknown reply' };
}

function optionalText(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

/**
 * A query operation's answer as a request's outcome: the reference Conax gave the query, and the parsed
 * `result` (SPEC §8). Null for an operation that is not a query; `unreadable` for a reply that does not answer it.
 */
export function queryAnswerOf(operation: ConaxOperation, reply: ParsedReply): { referenceNumber: string; result: QueryResult } | 'unreadable' | null {
  const answer = (kind: ParsedReply['kind'], read: () => { queryReference: string | null; result: QueryResult }) => {
    if (reply.kind !== kind) return 'unreadable' as const;
    const { queryReference, result } = read();
    return queryReference === null ? ('unreadable' as const) : { referenceNumber: queryReference, result };
  };
  switch (operation) {
    case 'GetPairingStatusForCard':
      return answer('status', () => {
        const status = reply as Extract<ParsedReply, { kind: 'status' }>;
        return { queryReference: status.queryReference, result: { status: status.paired ? 'PAIRED' : 'NOT_PAIRED', stbs: status.stbCaIds } };
      });
    case 'GetPairingStatusForPairingModule':
      return answer('module', () => {
        const module = reply as Extract<ParsedReply, { kind: 'module' }>;
        return { queryReference: module.queryReference, result: { cards: module.cardCaIds } };
      });
    case 'GetActiveSubscriptionsForCard':
      return answer('subscriptions', () => {
        const subscriptions = reply as Extract<ParsedReply, { kind: 'subscriptions' }>;
        return { queryReference: subscriptions.queryReference, result: { services: subscriptions.active.map((service) => ({ service_ca_id: service.serviceCaId })) } };
      });
    default:
      return null;
  }
}

/** Parses a request the simulator received. */
export function parseCall(xml: string): { operation: string; sessionId: string | null; body: Record<string, any> } | null {
  try {
    const document = parser.parse(xml);
    const envelope = document?.Envelope;
    const body = envelope?.Body;
    if (!body || typeof body !== 'object') return null;
    const operation = Object.keys(body).find((key) => !key.startsWith('@_'));
    if (!operation) return null;
    const sessionId = envelope?.Header?.Session?.SessionId;
    return { operation, sessionId: sessionId ? String(sessionId) : null, body: body[operation] ?? {} };
  } catch {
    return null;
  }
}

export function replyEnvelope(
  operation: 'LoginResponse' | `${ConaxOperation}Response` | 'PairingStatusResponse' | 'SubscriptionStatusResponse' | 'PairingModuleStatusResponse',
  content: Record<string, unknown>,
  charset: ConaxCharset = 'UTF-8',
): string {
  return soapEnvelope(builder.build({ [operation]: { '@_xmlns': CONAX_NAMESPACE, ...content } }), null, charset);
}
