import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/**
 * The fault suite's harness: the built service, connector and Conax simulator as real processes, a load
 * driver that remembers every acknowledged request, and the invariant checker. Scenarios inject one fault,
 * heal, wait, and check (docs/decisions.md, "Delivery guarantees").
 */
const DIST = join(__dirname, '..', '..', 'dist');
const BASE = '/crmapi/rest/v2';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ManagedProcess {
  child: ChildProcess | null = null;
  /** The last 256 KiB of what the process wrote to stdout and stderr. */
  output = '';
  constructor(
    private readonly script: string,
    private readonly processEnv: Record<string, string>,
  ) {}

  start(): void {
    this.child = spawn(process.execPath, [join(DIST, this.script)], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...this.processEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-262_144);
      if (process.env.FAULT_SUITE_VERBOSE) process.stderr.write(chunk);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }
}

export interface SimulatorCall {
  /** When the simulator answered (after its latency). */
  at: string;
  operation: string;
  request_id: string | null;
  outcome: string;
}

/** The most pairing calls a simulator with `latencyMs` was carrying out at one moment (each lasts its latency). */
export async function peakConcurrentPairings(simulator: SimulatorProcess, latencyMs = 1500): Promise<number> {
  const edges = (await simulator.calls())
    .filter((call) => call.operation === 'CreatePairing')
    .flatMap((call) => [
      { at: Date.parse(call.at) - latencyMs, change: 1 },
      { at: Date.parse(call.at), change: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.change - b.change);
  let now = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (now += edge.change));
  return peak;
}

export class SimulatorProcess extends ManagedProcess {
  readonly url: string;
  constructor(readonly port: number, env: Record<string, string> = {}) {
    super('cli/conax-simulator.js', {
      CONAX_SIMULATOR_PORT: String(port),
      CONAX_SIMULATOR_CALL_LOG_SIZE: '1000000',
      CONAX_USERNAME: 'conax',
      CONAX_PASSWORD: 'conax',
      ...env,
    });
    this.url = `http://127.0.0.1:${port}/conax`;
  }

  async calls(): Promise<SimulatorCall[]> {
    const response = await this.observe('/calls');
    return ((await response.json()) as { calls: SimulatorCall[] }).calls;
  }

  /** Empties the call log, so a scenario's figures are its own. */
  async resetCalls(): Promise<void> {
    await this.observe('/calls', { method: 'DELETE' });
  }

  /**
   * One request to the simulator's own routes (all idempotent), asked again once when the connection fails: a
   * pooled keep-alive connection the simulator closed while the scenario was busy elsewhere (a read-model check
   * takes seconds) fails as "other side closed" without the simulator having failed (seen once in a full run).
   */
  private async observe(path: string, init?: RequestInit): Promise<Response> {
    const url = `http://127.0.0.1:${this.port}${path}`;
    try {
      return await fetch(url, init);
    } catch {
      return fetch(url, init);
    }
  }

  /** Makes Conax answer that share of calls with HTTP 503 (1: every call) until set back to 0. */
  async setTransientFailureRate(rate: number): Promise<void> {
    const response = await this.observe('/faults', { method: 'PUT', body: JSON.stringify({ transient_failure_rate: rate }) });
    if (response.status !== 204) throw new Error(`the simulator refused the fault setting: ${response.status}`);
  }

  async waitUntilUp(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await fetch(`http://127.0.0.1:${this.port}/calls`).catch(() => null))?.ok) return;
      await sleep(50);
    }
    throw new Error('the simulator did not start');
  }
}

export class ServiceProcess extends ManagedProcess {
  readonly url: string;
  constructor(
    readonly port: number,
    /** The settings a scenario chose (the read-model check reuses them). */
    readonly settings: Record<string, string>,
  ) {
    super('main.js', { PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '10000000', ...settings });
    this.url = `http://127.0.0.1:${port}`;
  }

  /** `ready`: also wait for readiness (Kafka consumers in their groups, subscribers caught up). */
  async waitUntilReady(timeoutMs = 90_000, probe: 'live' | 'ready' = 'live'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child && (this.child.exitCode !== null || this.child.signalCode !== null)) {
        throw new Error(`the service exited with ${this.child.exitCode ?? this.child.signalCode} before it was up`);
      }
      if ((await fetch(`${this.url}/health/${probe}`).catch(() => null))?.ok) return;
      await sleep(100);
    }
    throw new Error('the service did not start');
  }

  async login(): Promise<string> {
    const response = await fetch(`${this.url}${BASE}/authentication/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'operator', organisation: 'DEMO' }),
    });
    const body = (await response.json()) as { data: { token: string } | null };
    if (!body.data) throw new Error(`login refused: HTTP ${response.status} ${JSON.stringify(body)}`);
    return body.data.token;
  }

  async get(path: string, token: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${BASE}/conax_web_services/provisioning_requests/${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  }
}

/** The Conax connector as its own process (BUS=kafka). */
export class ConnectorProcess extends ManagedProcess {
  constructor(settings: Record<string, string>) {
    super('cli/connector.js', settings);
  }
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'fault-'));
}

/**
 * Creates requests from `clients` concurrent clients until `stop()`; half ask for process_immediately.
 * Only requests answered 200 count as acknowledged; a refused or broken connection is not.
 */
/** One create: the route under conax_web_services/provisioning_requests/, its body, and its request type. */
export interface LoadRequest {
  route: string;
  body: Record<string, unknown>;
  type: string;
}

/** The default load: a pairing of one fresh card with one fresh STB, half of them process_immediately. */
export const pairingLoad = (n: number): LoadRequest => ({
  route: 'create_pairing',
  type: 'CREATE_PAIRING',
  body: { process_immediately: n % 2 === 0, smartcard_set: [{ smartcard_ca_id: String(1e10 + n) }], stb_set: [{ stb_ca_id: String(2e10 + n) }] },
});

/** Catalogue entries the mixed load names (import them first): one smartcard per cycle of 13, one service. */
export const MIXED_LOAD_SERVICE = { id: 'SRV-FAULT', code: 'FAULT', service_ca_id: '9901' };
export const mixedLoadSmartcard = (cycle: number) => ({ id: `SC-F-${cycle}`, serial_number: `SN-F-${cycle}`, smartcard_ca_id: String(6e10 + cycle) });

/**
 * Every request type in turn, thirteen to a cycle, on the cycle's own cards: a pairing, an addition to the
 * previous cycle's pairing (Conax faults NOT_PAIRED when that one is not done yet: a right rejection), an add
 * then a cancel of a service on a catalogue card, the three queries, a fingerprint, both PIN changes and the
 * three messages.
 */
export function mixedLoad(n: number): LoadRequest {
  const cycle = Math.floor(n / 13);
  const card = String(3e10 + cycle);
  const stb = String(4e10 + cycle);
  const common = { process_immediately: n % 3 === 0 };
  const change = { subscription_identifier: { number: `SUB-F-${cycle}` }, service_identifier: { code: MIXED_LOAD_SERVICE.code }, smartcard_identifier: { serial_number: mixedLoadSmartcard(cycle).serial_number } };
  const requests: [string, string, Record<string, unknown>][] = [
    ['create_pairing', 'CREATE_PAIRING', { smartcard_set: [{ smartcard_ca_id: card }], stb_set: [{ stb_ca_id: stb }] }],
    ['add_to_existing_pairing', 'ADD_TO_EXISTING_PAIRING', { smartcard_ca_id: String(3e10 + cycle - 1), stb_set: [{ stb_ca_id: String(5e10 + cycle) }] }],
    ['add_subscriptions', 'ADD_SUBSCRIPTIONS', change],
    ['cancel_subscriptions', 'CANCEL_SUBSCRIPTIONS', change],
    ['get_pairing_status_for_card', 'GET_PAIRING_STATUS_FOR_CARD', { smartcard_ca_id: card }],
    ['get_pairing_status_for_pairing_module', 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE', { stb_ca_id: stb }],
    ['get_active_subscriptions', 'GET_ACTIVE_SUBSCRIPTIONS', { smartcard_identifier: { serial_number: mixedLoadSmartcard(cycle).serial_number } }],
    ['display_fingerprint', 'DISPLAY_FINGERPRINT', { smartcard_set: [{ smartcard_ca_id: card }] }],
    ['update_ca_pin_to_default_value', 'UPDATE_CA_PIN_TO_DEFAULT_VALUE', { smartcard_ca_id: card }],
    ['update_ca_pin_to_given_value', 'UPDATE_CA_PIN_TO_GIVEN_VALUE', { smartcard_ca_id: card, pin: String(1000 + (n % 9000)) }],
    ['send_mail_message_to_client', 'SEND_MAIL_MESSAGE_TO_CLIENT', { smartcard_set: [{ smartcard_ca_id: card }], text: `Mail ${n}` }],
    ['send_bark_message_to_client', 'SEND_BARK_MESSAGE_TO_CLIENT', { smartcard_set: [{ smartcard_ca_id: card }], text: `Bark ${n}` }],
    ['send_repeating_bark_message_to_client', 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT', { smartcard_set: [{ smartcard_ca_id: card }], text: `Again ${n}`, repetitions: 2, interval_seconds: 10 }],
  ];
  const [route, type, body] = requests[n % 13];
  return { route, type, body: { ...common, ...body } };
}

/**
 * Creates from `clients` loops until stopped. `pauseMs` between a loop's creates bounds the load whatever the
 * machine's speed, for scenarios whose backlog must drain within their deadline.
 */
export function driveLoad(service: () => ServiceProcess, token: () => string, clients = 16, answerTimeoutMs = 15_000, requestOf: (n: number) => LoadRequest = pairingLoad, pauseMs = 0) {
  const acknowledged = new Set<string>();
  /** The type of every acknowledged request. */
  const types = new Map<string, string>();
  /** HTTP status (or 'no answer') → how many creates got it; and the longest time any create took to answer. */
  const answers = new Map<number | 'no answer', number>();
  let longestMs = 0;
  let refused = 0;
  let running = true;
  // Cards and STBs unique to this run: a card paired by an earlier scenario must not look like this one's.
  let counter = requestOf === pairingLoad ? Math.floor(Math.random() * 1e6) * 1000 : 0;
  const loops = Array.from({ length: clients }, async (_, client) => {
    while (running) {
      const n = (counter += 1);
      const started = performance.now();
      try {
        const request = requestOf(n);
        const response = await fetch(`${service().url}${BASE}/conax_web_services/provisioning_requests/${request.route}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token()}` },
          body: JSON.stringify(request.body),
          signal: AbortSignal.timeout(answerTimeoutMs),
        });
        const body = (await response.json()) as { data: { id: string } | null };
        answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
        longestMs = Math.max(longestMs, performance.now() - started);
        if (response.status === 200 && body.data) {
          acknowledged.add(body.data.id);
          types.set(body.data.id, request.type);
        } else refused += 1;
        if (pauseMs > 0) await sleep(pauseMs);
      } catch {
        answers.set('no answer', (answers.get('no answer') ?? 0) + 1);
        refused += 1;
        await sleep(100 + client);
      }
    }
  });
  return {
    acknowledged,
    types,
    refused: () => refused,
    answers: () => answers,
    longestMs: () => longestMs,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The Conax operations whose repetition would change a card twice: each must succeed at most once per request. */
const CHANGE_OPERATIONS = new Set(['CreatePairing', 'AddToExistingPairing', 'AddSubscription', 'CancelSubscription']);

export interface InvariantReport {
  scenario: string;
  acknowledged: number;
  completed: number;
  rejected: number;
  wronglyRejected: number;
  lost: number;
  /** The acknowledged requests never found (at most 20), for the failure message. */
  lostIds: string[];
  /** Found only after a first 404: a view that caught up late (lag, not loss; reported so it shows). */
  foundLate: number;
  pending: number;
  conaxCalls: number;
  /** Extra successful Conax effects (a request paired twice), or a final state that contradicts Conax's log. */
  duplicates: number;
  /** GetPairingStatusForCard calls: how often a connector had to ask Conax what it already did. */
  statusQueries: number;
  readModelDifferences: number;
  /** Integration events (Kafka scenarios): stored events never published, published out of order, published twice. */
  integration?: { missing: number; outOfOrder: number; duplicates: number; messages: number };
}

/** Reads an integration-events topic from the start up to its current end. */
async function readTopic(brokers: string, topic: string): Promise<Array<{ subject: string; id: string }>> {
  const kafka = new Kafka({ clientId: 'fault-suite-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => BigInt(e.high) > 0n).map((e) => [e.partition, BigInt(e.high)]));
  const messages: Array<{ subject: string; id: string }> = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `fault-suite-reader-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const event = JSON.parse(String(message.value)) as { subject: string; id: string };
        messages.push({ subject: event.subject, id: event.id });
        if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await Promise.race([done, sleep(60_000)]);
  await consumer.disconnect();
  return messages;
}

/**
 * Integration events once per stored event, in order per request: each acknowledged request's stored
 * events (its history) against the messages on the topic with its id as subject.
 */
async function checkIntegrationEvents(
  service: ServiceProcess,
  token: string,
  requestIds: Iterable<string>,
  brokers: string,
  topic: string,
): Promise<NonNullable<InvariantReport['integration']>> {
  const messages = await readTopic(brokers, topic);
  const bySubject = new Map<string, string[]>();
  for (const m of messages) bySubject.set(m.subject, [...(bySubject.get(m.subject) ?? []), m.id]);
  let missing = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  for (const id of requestIds) {
    const history = await service.get(`history?provisioning_request_identifier=id=${id}`, token);
    const stored = ((history.body.data ?? []) as Array<{ event_id: string }>).map((e) => e.event_id);
    const published = bySubject.get(id) ?? [];
    duplicates += published.length - new Set(published).size;
    missing += stored.filter((eventId) => !published.includes(eventId)).length;
    const firstSeen = published.filter((eventId, i) => published.indexOf(eventId) === i && stored.includes(eventId));
    if (firstSeen.join() !== stored.filter((eventId) => published.includes(eventId)).join()) outOfOrder += 1;
  }
  return { missing, outOfOrder, duplicates, messages: messages.length };
}

/**
 * Waits until every acknowledged request is final (or `timeoutMs` passes), then checks: each exists; each
 * is final; each COMPLETED one was paired exactly once at Conax and no REJECTED one was paired; none was
 * rejected unless Conax answered it with a fault (timeouts and 503s are not); the read model equals a
 * rebuild from the events; on Kafka, the integration events are those stored, once each, in order.
 */
export async function checkInvariants(
  scenario: string,
  service: ServiceProcess,
  simulator: SimulatorProcess,
  acknowledged: Set<string>,
  timeoutMs: number,
  /** Kafka scenarios: also check the integration-events topic. */
  integrationEvents?: { brokers: string; topic: string },
): Promise<InvariantReport> {
  const token = await service.login();
  const finals = new Map<string, { life_cycle_state: string; error_code: string | null }>();
  const lostIds: string[] = [];
  const late = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (const id of acknowledged) {
    for (;;) {
      const shown = await service.get(`show?provisioning_request_identifier=id=${id}`, token);
      // Not found yet may be a view still catching up (its inline write failed, say on a full disk, and the
      // projection that follows the log applies it once it can): lost only if still not found at the deadline.
      if (shown.status === 404) {
        if (Date.now() > deadline) {
          lostIds.push(id);
          break;
        }
        late.add(id);
        await sleep(200);
        continue;
      }
      const data = shown.body.data;
      if (data && data.life_cycle_state !== 'PENDING') {
        finals.set(id, data);
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(200);
    }
  }
  const calls = await simulator.calls();
  // What Conax carried out per request: calls of any type's operation that answered OK, and those that faulted.
  const succeeded = new Map<string, number>();
  const changes = new Map<string, number>();
  const faulted = new Set<string>();
  for (const call of calls) {
    if (!call.request_id) continue; // the connector's own status checks carry no request id
    if (call.outcome === 'ok') {
      succeeded.set(call.request_id, (succeeded.get(call.request_id) ?? 0) + 1);
      if (CHANGE_OPERATIONS.has(call.operation)) changes.set(call.request_id, (changes.get(call.request_id) ?? 0) + 1);
    }
    if (call.outcome === 'fault') faulted.add(call.request_id);
  }
  // A pairing or a subscription change made more than once at Conax, acknowledged or not (a create whose answer
  // was lost counts too). Queries, PINs, fingerprints and messages may be sent again (docs/conax.md).
  let duplicates = [...changes.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  // A rejection is right only when Conax itself answered that request with a fault.
  let wronglyRejected = 0;
  for (const [id, view] of finals) {
    if (view.life_cycle_state === 'COMPLETED' && !succeeded.has(id)) duplicates += 1; // completed without a Conax effect: as bad
    if (view.life_cycle_state === 'REJECTED') duplicates += changes.get(id) ?? 0; // a change made, yet rejected
    if (view.life_cycle_state === 'REJECTED' && !faulted.has(id)) {
      wronglyRejected += 1;
      console.log(`wrongly rejected ${id}: ${JSON.stringify(view).slice(0, 1500)}`);
    }
  }
  // The projection may still be applying the last outcomes: a difference must hold across a few seconds to count.
  let readModelDifferences = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const check = spawnSync(process.execPath, [join(DIST, 'cli', 'read-model.js'), 'check'], {
      env: { PATH: process.env.PATH ?? '', ...service.settings, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    readModelDifferences = check.status === 0 ? 0 : Number(/(\d+) difference/.exec(check.stdout)?.[1] ?? 1);
    if (readModelDifferences === 0) break;
    if (process.env.FAULT_SUITE_VERBOSE) process.stderr.write(check.stdout);
    await sleep(1500);
  }
  const states = [...finals.values()].map((v) => v.life_cycle_state);
  // The publisher may still be draining the last outcomes: give it the same few seconds as the projection.
  let integration: InvariantReport['integration'];
  for (let attempt = 0; integrationEvents && attempt < 5; attempt++) {
    integration = await checkIntegrationEvents(service, token, finals.keys(), integrationEvents.brokers, integrationEvents.topic);
    if (integration.missing === 0) break;
    await sleep(2000);
  }
  return {
    scenario,
    acknowledged: acknowledged.size,
    completed: states.filter((s) => s === 'COMPLETED').length,
    rejected: states.filter((s) => s === 'REJECTED').length,
    wronglyRejected,
    lost: lostIds.length,
    lostIds: lostIds.slice(0, 20),
    foundLate: [...late].filter((id) => finals.has(id)).length,
    pending: acknowledged.size - finals.size - lostIds.length,
    conaxCalls: [...succeeded.values()].reduce((a, b) => a + b, 0),
    duplicates,
    // The connector's own status checks (no request id): asked only after an uncertain call.
    statusQueries: calls.filter((c) => c.operation === 'GetPairingStatusForCard' && !c.request_id).length,
    readModelDifferences,
    integration,
  };
}

export function formatReport(r: InvariantReport): string {
  return (
    `${r.scenario}: acknowledged ${r.acknowledged} / completed ${r.completed} / rejected ${r.rejected} ` +
    `(wrongly ${r.wronglyRejected}) / lost ${r.lost}${r.lostIds.length ? ` [${r.lostIds.join(', ')}]` : ''} (found late ${r.foundLate}) / still pending ${r.pending} / Conax calls ${r.conaxCalls} / ` +
    `duplicates ${r.duplicates} / status queries ${r.statusQueries} / read-model differences ${r.readModelDifferences}` +
    (r.integration
      ? ` / integration events ${r.integration.messages} (missing ${r.integration.missing}, out of order ${r.integration.outOfOrder}, ` +
        `duplicated ${r.integration.duplicates})`
      : '')
  );
}
