import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { charsetOfContentType, decodeText } from '../conax/conax-charset';
import { parseCall, replyEnvelope, soapFault } from '../conax/conax-messages';
import { ConaxOperation } from '../../application/ports/conax-client.port';
import { NOT_LOGGED_IN } from '../conax/soap-conax-client';

export interface ConaxSimulatorOptions {
  port: number;
  host: string;
  username: string;
  password: string;
  latencyMs: number;
  /** 0..1: share of calls answered with HTTP 503 before anything is done. */
  transientFailureRate: number;
  sessionTtlMs: number;
  /** How many calls the log keeps (the oldest go first), so a long-running simulator stays bounded. */
  callLogSize: number;
}

export interface SimulatorCall {
  at: string;
  operation: string;
  request_id: string | null;
  /** ok, fault, transient, not_logged_in */
  outcome: string;
  reference_number: string | null;
  fault_code: string | null;
}

export interface RunningSimulator {
  url: string;
  port: number;
  calls(): SimulatorCall[];
  reset(): void;
  close(): Promise<void>;
}

const CA_ID = /^\d+$/;
/** What ResetPinToDefault sets. */
const DEFAULT_PIN = '0000';

/** Reads the body in the charset its Content-Type names, as Conax does. */
function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(decodeText(Buffer.concat(chunks), charsetOfContentType(request.headers['content-type']))));
    request.on('error', reject);
  });
}

/**
 * A Conax stand-in speaking the SOAP shapes of conax-messages.ts (SPEC §6): login sessions that expire,
 * pairings and, per card, active services (a cancel of a service that is not active is a fault),
 * `not_logged_in` for a stale session, a fault for CA IDs that are not all digits, configurable latency and
 * transient failures (PUT /faults {"transient_failure_rate": 0..1} changes the rate while it runs), and a log
 * of every call at GET /calls (DELETE /calls resets it).
 */
export async function startConaxSimulator(options: ConaxSimulatorOptions): Promise<RunningSimulator> {
  const sessions = new Map<string, number>();
  /** What each card is paired with (bounded like the call log: the oldest pairings are forgotten first). */
  const pairings = new Map<string, { stbs: string[]; reference: string }>();
  /** Per card: active services and cancelled ones, each with the reference of its add or cancel (bounded the same way). */
  const subscriptions = new Map<string, { active: Map<string, string>; cancelled: Map<string, string> }>();
  /** Per card: its PIN as Conax holds it (GET /cards/{ca_id} shows it, for tests that check a PIN arrived). */
  const pins = new Map<string, string>();
  /** Per card: how many fingerprints and messages it was sent. */
  const shown = new Map<string, number>();
  let calls: SimulatorCall[] = [];
  /** Changeable while running (PUT /faults), so a test can make Conax fail for a while and then heal it. */
  const faults = { transientFailureRate: options.transientFailureRate };

  function log(call: Omit<SimulatorCall, 'at'>): void {
    calls.push({ at: new Date().toISOString(), ...call });
    if (calls.length > options.callLogSize) calls.splice(0, calls.length - options.callLogSize);
  }

  function forgetExpiredSessions(): void {
    const now = Date.now();
    for (const [id, expiry] of sessions) if (expiry < now) sessions.delete(id);
  }

  function send(response: ServerResponse, status: number, body: string, type = 'text/xml; charset=UTF-8'): void {
    response.writeHead(status, { 'Content-Type': type });
    response.end(body);
  }

  async function handleSoap(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const call = parseCall(await read(request));
    if (options.latencyMs > 0) await new Promise((r) => setTimeout(r, options.latencyMs));
    const requestId = call?.body?.RequestId ? String(call.body.RequestId) : null;
    if (!call) return send(response, 500, soapFault('soap:Client', 'Malformed SOAP request'));
    if (Math.random() < faults.transientFailureRate) {
      log({ operation: call.operation, request_id: requestId, outcome: 'transient', reference_number: null, fault_code: null });
      return send(response, 503, 'Service temporarily unavailable', 'text/plain');
    }
    if (call.operation === 'Login') {
      if (String(call.body.UserName ?? '') !== options.username || String(call.body.Password ?? '') !== options.password) {
        log({ operation: 'Login', request_id: null, outcome: 'fault', reference_number: null, fault_code: 'authentication_failed' });
        return send(response, 500, soapFault('authentication_failed', 'Wrong user name or password'));
      }
      const sessionId = randomUUID();
      forgetExpiredSessions();
      sessions.set(sessionId, Date.now() + options.sessionTtlMs);
      log({ operation: 'Login', request_id: null, outcome: 'ok', reference_number: null, fault_code: null });
      return send(response, 200, replyEnvelope('LoginResponse', { SessionId: sessionId }));
    }
    const operation = call.operation as ConaxOperation;
    if (!Object.hasOwn(behaviours, operation)) {
      return send(response, 500, soapFault('soap:Client', `Unknown operation ${call.operation}`));
    }
    const expiry = call.sessionId ? sessions.get(call.sessionId) : undefined;
    if (expiry === undefined || expiry < Date.now()) {
      if (call.sessionId) sessions.delete(call.sessionId);
      log({ operation: call.operation, request_id: requestId, outcome: NOT_LOGGED_IN, reference_number: null, fault_code: NOT_LOGGED_IN });
      return send(response, 500, soapFault(NOT_LOGGED_IN, 'The session is not logged in'));
    }
    return behaviours[operation](call.body, requestId, response);
  }

  /** What the simulator does for each operation: an operation missing here does not compile. */
  const behaviours: Record<ConaxOperation, (body: Record<string, any>, requestId: string | null, response: ServerResponse) => void> = {
    CreatePairing: createPairing,
    AddSubscription: (body, requestId, response) => changeSubscription('AddSubscription', body, requestId, response),
    CancelSubscription: (body, requestId, response) => changeSubscription('CancelSubscription', body, requestId, response),
    AddToExistingPairing: addToExistingPairing,
    GetPairingStatusForCard: pairingStatusForCard,
    GetPairingStatusForPairingModule: pairingStatusForPairingModule,
    GetActiveSubscriptionsForCard: activeSubscriptionsForCard,
    DisplayFingerprint: (body, requestId, response) => recordPerCard('DisplayFingerprint', body, requestId, response),
    ResetPinToDefault: (body, requestId, response) => setPin('ResetPinToDefault', DEFAULT_PIN, body, requestId, response),
    SetPin: (body, requestId, response) => setPin('SetPin', String(body.Pin ?? ''), body, requestId, response),
    SendMailMessage: (body, requestId, response) => recordPerCard('SendMailMessage', body, requestId, response),
    SendBarkMessage: (body, requestId, response) => recordPerCard('SendBarkMessage', body, requestId, response),
    SendRepeatingBarkMessage: (body, requestId, response) => recordPerCard('SendRepeatingBarkMessage', body, requestId, response),
  };

  function fault(operation: string, requestId: string | null, response: ServerResponse, code: string, text: string): void {
    log({ operation, request_id: requestId, outcome: 'fault', reference_number: null, fault_code: code });
    send(response, 500, soapFault(code, text));
  }

  function accepted(operation: ConaxOperation, requestId: string | null, response: ServerResponse): string {
    const reference = randomUUID();
    log({ operation, request_id: requestId, outcome: 'ok', reference_number: reference, fault_code: null });
    send(response, 200, replyEnvelope(`${operation}Response`, { Status: `OK ${reference}` }));
    return reference;
  }

  /** Keeps a map bounded like the call log: the entries touched longest ago go first. */
  function touch<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > options.callLogSize) map.delete(map.keys().next().value as string);
  }

  /** A query's own reference: every answer Conax gives a request is one it can be asked about later. */
  function answerQuery(operation: ConaxOperation, requestId: string | null, response: ServerResponse, reply: Parameters<typeof replyEnvelope>[0], content: Record<string, unknown>): void {
    const reference = randomUUID();
    log({ operation, request_id: requestId, outcome: 'ok', reference_number: reference, fault_code: null });
    send(response, 200, replyEnvelope(reply, { ...content, QueryReference: reference }));
  }

  function pairingStatusForCard(body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const card = String(body.CaId ?? '');
    if (!CA_ID.test(card)) return fault('GetPairingStatusForCard', requestId, response, 'INVALID_CA_ID', `Smartcard CA ID "${card}" is not numeric`);
    const pairing = pairings.get(card);
    answerQuery(
      'GetPairingStatusForCard',
      requestId,
      response,
      'PairingStatusResponse',
      pairing ? { Status: 'PAIRED', Stbs: { CaId: pairing.stbs }, ReferenceNumber: pairing.reference } : { Status: 'NOT_PAIRED' },
    );
  }

  function pairingStatusForPairingModule(body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const stb = String(body.CaId ?? '');
    if (!CA_ID.test(stb)) return fault('GetPairingStatusForPairingModule', requestId, response, 'INVALID_CA_ID', `STB CA ID "${stb}" is not numeric`);
    const cards = [...pairings].filter(([, pairing]) => pairing.stbs.includes(stb)).map(([card]) => card);
    answerQuery('GetPairingStatusForPairingModule', requestId, response, 'PairingModuleStatusResponse', { Cards: { CaId: cards } });
  }

  function activeSubscriptionsForCard(body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const caId = String(body.CaId ?? '');
    if (!CA_ID.test(caId)) return fault('GetActiveSubscriptionsForCard', requestId, response, 'INVALID_CA_ID', `Smartcard CA ID "${caId}" is not numeric`);
    const card = subscriptions.get(caId);
    const list = (services: Map<string, string> | undefined) => ({
      Service: [...(services ?? new Map<string, string>())].map(([serviceCaId, reference]) => ({ CaId: serviceCaId, ReferenceNumber: reference })),
    });
    answerQuery('GetActiveSubscriptionsForCard', requestId, response, 'SubscriptionStatusResponse', { Active: list(card?.active), Cancelled: list(card?.cancelled) });
  }

  /** The card must be paired already (fault NOT_PAIRED); the STBs join its pairing, under a new reference. */
  function addToExistingPairing(body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const card = String(body.SmartcardCaId ?? '');
    const stbs = ((body.Stbs?.CaId as unknown[]) ?? []).map(String);
    const bad = [card, ...stbs].find((id) => !CA_ID.test(id));
    if (bad !== undefined || stbs.length === 0) {
      return fault('AddToExistingPairing', requestId, response, 'INVALID_CA_ID', bad !== undefined ? `CA ID "${bad}" is not numeric` : 'No STB CA IDs given');
    }
    const pairing = pairings.get(card);
    if (!pairing) return fault('AddToExistingPairing', requestId, response, 'NOT_PAIRED', `Smartcard ${card} is not paired`);
    const reference = accepted('AddToExistingPairing', requestId, response);
    touch(pairings, card, { stbs: [...new Set([...pairing.stbs, ...stbs])], reference });
  }

  /** Fingerprints and messages: each card gets one more entry (what a box would show or keep). */
  function recordPerCard(operation: ConaxOperation, body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const cards = ((body.Smartcards?.CaId as unknown[]) ?? []).map(String);
    const bad = cards.find((id) => !CA_ID.test(id));
    if (bad !== undefined || cards.length === 0) {
      return fault(operation, requestId, response, 'INVALID_CA_ID', bad !== undefined ? `Smartcard CA ID "${bad}" is not numeric` : 'No smartcard CA IDs given');
    }
    accepted(operation, requestId, response);
    for (const card of cards) touch(shown, card, (shown.get(card) ?? 0) + 1);
  }

  /** A PIN is four digits; anything else (a mask left in, say) is the fault INVALID_PIN. */
  function setPin(operation: 'SetPin' | 'ResetPinToDefault', pin: string, body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const card = String(body.SmartcardCaId ?? '');
    if (!CA_ID.test(card)) return fault(operation, requestId, response, 'INVALID_CA_ID', `Smartcard CA ID "${card}" is not numeric`);
    if (!/^[0-9]{4}$/.test(pin)) return fault(operation, requestId, response, 'INVALID_PIN', 'The PIN must be four digits');
    accepted(operation, requestId, response);
    touch(pins, card, pin);
  }

  /** A pairing replaces whatever the cards were paired with before. */
  function createPairing(body: Record<string, any>, requestId: string | null, response: ServerResponse): void {
    const ids = [
      ...((body.Smartcards?.CaId as unknown[]) ?? []).map((id) => ({ kind: 'Smartcard', id: String(id) })),
      ...((body.Stbs?.CaId as unknown[]) ?? []).map((id) => ({ kind: 'STB', id: String(id) })),
    ];
    const bad = ids.find((item) => !CA_ID.test(item.id));
    if (ids.length === 0 || bad) {
      const text = bad ? `${bad.kind} CA ID "${bad.id}" is not numeric` : 'No CA IDs given';
      log({ operation: 'CreatePairing', request_id: requestId, outcome: 'fault', reference_number: null, fault_code: 'INVALID_CA_ID' });
      return send(response, 500, soapFault('INVALID_CA_ID', text));
    }
    const reference = randomUUID();
    const stbs = ids.filter((item) => item.kind === 'STB').map((item) => item.id);
    for (const card of ids.filter((item) => item.kind === 'Smartcard')) {
      pairings.delete(card.id);
      pairings.set(card.id, { stbs, reference });
    }
    while (pairings.size > options.callLogSize) pairings.delete(pairings.keys().next().value as string);
    log({ operation: 'CreatePairing', request_id: requestId, outcome: 'ok', reference_number: reference, fault_code: null });
    return send(response, 200, replyEnvelope('CreatePairingResponse', { Status: `OK ${reference}` }));
  }

  /**
   * Adding a service makes it active on the card (adding an active one again is accepted: it stays active);
   * cancelling needs it active, otherwise it is the fault SUBSCRIPTION_NOT_ACTIVE. No pairing is needed.
   */
  function changeSubscription(
    operation: 'AddSubscription' | 'CancelSubscription',
    body: Record<string, any>,
    requestId: string | null,
    response: ServerResponse,
  ): void {
    const card = String(body.SmartcardCaId ?? '');
    const service = String(body.ServiceCaId ?? '');
    const fault = (code: string, text: string) => {
      log({ operation, request_id: requestId, outcome: 'fault', reference_number: null, fault_code: code });
      send(response, 500, soapFault(code, text));
    };
    if (!CA_ID.test(card)) return fault('INVALID_CA_ID', `Smartcard CA ID "${card}" is not numeric`);
    if (!CA_ID.test(service)) return fault('INVALID_CA_ID', `Service CA ID "${service}" is not numeric`);
    const state = subscriptions.get(card) ?? { active: new Map<string, string>(), cancelled: new Map<string, string>() };
    if (operation === 'CancelSubscription' && !state.active.has(service)) {
      return fault('SUBSCRIPTION_NOT_ACTIVE', `Service ${service} is not active on smartcard ${card}`);
    }
    const reference = randomUUID();
    if (operation === 'AddSubscription') {
      state.active.set(service, reference);
      state.cancelled.delete(service);
    } else {
      state.active.delete(service);
      state.cancelled.set(service, reference);
    }
    subscriptions.delete(card);
    subscriptions.set(card, state);
    while (subscriptions.size > options.callLogSize) subscriptions.delete(subscriptions.keys().next().value as string);
    log({ operation, request_id: requestId, outcome: 'ok', reference_number: reference, fault_code: null });
    send(response, 200, replyEnvelope(`${operation}Response`, { Status: `OK ${reference}` }));
  }

  async function setFaults(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rate = Number((JSON.parse(await read(request)) as { transient_failure_rate?: unknown }).transient_failure_rate);
    if (!(rate >= 0 && rate <= 1)) return send(response, 400, 'transient_failure_rate must be between 0 and 1', 'text/plain');
    faults.transientFailureRate = rate;
    send(response, 204, '', 'text/plain');
  }

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = `${request.method} ${path}`;
    const card = /^GET \/cards\/(\d+)$/.exec(route);
    const work = card
      ? Promise.resolve(
          send(response, 200, JSON.stringify({ smartcard_ca_id: card[1], paired_with: pairings.get(card[1])?.stbs ?? null, pin: pins.get(card[1]) ?? null, shown: shown.get(card[1]) ?? 0 }), 'application/json'),
        )
      : route === 'GET /calls'
        ? Promise.resolve(send(response, 200, JSON.stringify({ calls }), 'application/json'))
        : route === 'DELETE /calls'
          ? Promise.resolve((calls = [], send(response, 204, '', 'text/plain')))
          : route === 'PUT /faults'
            ? setFaults(request, response)
            : request.method === 'POST'
              ? handleSoap(request, response)
              : Promise.resolve(send(response, 404, 'Not found', 'text/plain'));
    work.catch(() => send(response, 500, soapFault('soap:Server', 'Simulator error')));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/conax`,
    port,
    calls: () => [...calls],
    reset: () => void (calls = []),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
