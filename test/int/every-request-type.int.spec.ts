import { randomUUID } from 'node:crypto';
import { KAFKA_BROKERS } from '../support/kafka';
import { CATALOGUE_SERVICE_SCHEMA, CATALOGUE_SMARTCARD_SCHEMA } from '../../src/application/catalogue/catalogue-entries';
import { CATALOGUE, Catalogue } from '../../src/application/ports/catalogue.port';
import { definitionOf, REQUEST_TYPE_DEFINITIONS } from '../../src/application/request-types/request-types';
import { provisioningRequestStreamId, REQUEST_TYPE_RULES, REQUEST_TYPES, RequestType, SealedSecret } from '../../src/domain/provisioning-request';
import { CREATE_ROUTES } from '../../src/infrastructure/http/provisioning-requests/create-routes';
import { StorageAdapters } from '../../src/infrastructure/adapters';
import { STORAGE } from '../../src/infrastructure/config/config.tokens';
import { busOf, eventually, recordTopic, runOnce, simulatorOf, waitForFinal } from '../support/processing';
import { BASE, ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * The profiles the walk runs on: the embedded default, and the real Kafka broker the test command starts
 * (its own topics, so nothing is shared with other suites on that broker).
 */
const suffix = randomUUID().slice(0, 8);
const kafkaTopics = {
  DISPATCH_TOPIC: `walk.${suffix}.dispatch`,
  OUTCOME_TOPIC: `walk.${suffix}.outcomes`,
  EVENTS_TOPIC: `walk.${suffix}.events`,
  CATALOGUE_SERVICES_TOPIC: `walk.${suffix}.services`,
  CATALOGUE_SMARTCARDS_TOPIC: `walk.${suffix}.smartcards`,
};
const embeddedTopics = {
  EVENTS_TOPIC: 'conax.provisioning-requests.events.v1',
  CATALOGUE_SERVICES_TOPIC: 'conax.catalogue.services.v1',
  CATALOGUE_SMARTCARDS_TOPIC: 'conax.catalogue.smartcards.v1',
};
const PROFILES: [string, Record<string, string>][] = [
  ['the embedded default', embeddedTopics],
  ...(KAFKA_BROKERS ? [['real Kafka', { BUS: 'kafka', KAFKA_BROKERS, ...kafkaTopics }] as [string, Record<string, string>]] : []),
];
if (!KAFKA_BROKERS) {
  describe('every request type, end to end over real Kafka', () => {
    it.skip('SKIPPED: KAFKA_BROKERS is not set (npm test starts a broker; plain jest does not)', () => undefined);
  });
}

const PAIRED_CARD = '0190008020777';
const FIRST_STB = '4500012377';
const ADDED_STB = '4500012388';
const CATALOGUE_CARD = '0190008029999';
/** The PIN the walk sets: it must reach Conax, and nothing the service keeps or shows may hold it. */
const WALK_PIN = '9073';
const PIN_ALONE = new RegExp(`(^|[^0-9A-Za-z])${WALK_PIN}([^0-9A-Za-z]|$)`);

/**
 * A valid body per request type, a type whose request must have been carried out first (a cancel needs an
 * active service, an addition to a pairing needs the pairing), and what its view's `result` must be once
 * COMPLETED (null for the types that change something). A mapped type: a type added to the domain's table
 * without an example here does not compile.
 */
const EXAMPLES: { [T in RequestType]: { body: Record<string, unknown>; after?: RequestType; result?: unknown } } = {
  CREATE_PAIRING: { body: pairingBody({ smartcard_set: [{ smartcard_ca_id: '0190008020777' }], stb_set: [{ stb_ca_id: '4500012377' }] }) },
  ADD_SUBSCRIPTIONS: { body: { subscription_identifier: { number: 'SUB-WALK' }, service_identifier: { code: 'WALK' }, smartcard_identifier: { serial_number: 'SN-WALK' } } },
  CANCEL_SUBSCRIPTIONS: {
    body: { subscription_identifier: { number: 'SUB-WALK' }, service_identifier: { code: 'WALK' }, smartcard_identifier: { serial_number: 'SN-WALK' } },
    after: 'ADD_SUBSCRIPTIONS',
  },
  ADD_TO_EXISTING_PAIRING: { body: { smartcard_ca_id: PAIRED_CARD, stb_set: [{ stb_ca_id: ADDED_STB }] }, after: 'CREATE_PAIRING' },
  GET_PAIRING_STATUS_FOR_CARD: {
    body: { smartcard_ca_id: PAIRED_CARD },
    after: 'ADD_TO_EXISTING_PAIRING',
    result: { status: 'PAIRED', stbs: [FIRST_STB, ADDED_STB] },
  },
  GET_PAIRING_STATUS_FOR_PAIRING_MODULE: { body: { stb_ca_id: ADDED_STB }, after: 'ADD_TO_EXISTING_PAIRING', result: { cards: [PAIRED_CARD] } },
  // By catalogue identifier; the walk's own subscription on that card was added and then cancelled.
  GET_ACTIVE_SUBSCRIPTIONS: { body: { smartcard_identifier: { serial_number: 'SN-WALK' } }, after: 'CANCEL_SUBSCRIPTIONS', result: { services: [] } },
  DISPLAY_FINGERPRINT: { body: { smartcard_set: [{ smartcard_ca_id: PAIRED_CARD }], duration_seconds: 30 } },
  UPDATE_CA_PIN_TO_DEFAULT_VALUE: { body: { smartcard_ca_id: CATALOGUE_CARD } },
  UPDATE_CA_PIN_TO_GIVEN_VALUE: { body: { smartcard_ca_id: PAIRED_CARD, pin: WALK_PIN } },
  SEND_MAIL_MESSAGE_TO_CLIENT: { body: { smartcard_set: [{ smartcard_ca_id: PAIRED_CARD }], text: 'Your subscription renews on the 1st.' } },
  SEND_BARK_MESSAGE_TO_CLIENT: { body: { smartcard_set: [{ smartcard_ca_id: PAIRED_CARD }], text: 'Please pay your bill: € 12,50.', duration_seconds: 15 } },
  SEND_REPEATING_BARK_MESSAGE_TO_CLIENT: {
    body: { smartcard_set: [{ smartcard_ca_id: PAIRED_CARD }, { smartcard_ca_id: CATALOGUE_CARD }], text: 'Service ends soon.', repetitions: 3, interval_seconds: 60 },
  },
};

/**
 * Walks every request type of the table through the whole pipeline on the embedded default: create (its
 * generated route), dispatch by the processing run, the Conax call (the simulator's log names the type's
 * operation), the outcome, the view (show and list by type), the history and the integration events. A type
 * added to one table but not another, or whose route, Conax operation or simulator behaviour is missing, fails here.
 */
describe.each(PROFILES)('every request type, end to end on %s, walled per organisation', (_, env) => {
  let t: TestApp;
  let token: string;
  let outsider: string;
  let published: Awaited<ReturnType<typeof recordTopic>>;
  let dispatched: Awaited<ReturnType<typeof recordTopic>>;
  let outcomes: Awaited<ReturnType<typeof recordTopic>>;
  const routeOf = (type: RequestType) => `${BASE}/conax_web_services/provisioning_requests/${definitionOf(type).route}`;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', ...env });
    if (env.BUS === 'kafka') await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 60_000);
    token = await t.login();
    outsider = await t.login('mallory');
    published = await recordTopic(t.app, env.EVENTS_TOPIC);
    dispatched = await recordTopic(t.app, env.DISPATCH_TOPIC ?? 'conax.provisioning-requests.dispatch.v1');
    outcomes = await recordTopic(t.app, env.OUTCOME_TOPIC ?? 'conax.provisioning-requests.outcomes.v1');
    const bus = busOf(t.app);
    await bus.publish(env.CATALOGUE_SERVICES_TOPIC, [
      { key: 'SRV-WALK', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service: { id: 'SRV-WALK', code: 'WALK', service_ca_id: '577' } }), headers: {} },
    ]);
    await bus.publish(env.CATALOGUE_SMARTCARDS_TOPIC, [
      {
        key: 'SC-WALK',
        value: JSON.stringify({ schema: CATALOGUE_SMARTCARD_SCHEMA, action: 'upsert', smartcard: { id: 'SC-WALK', serial_number: 'SN-WALK', smartcard_ca_id: '0190008029999' } }),
        headers: {},
      },
    ]);
    // The feed is asynchronous: wait until both entries are in the catalogue.
    const catalogue = t.app.get<Catalogue>(CATALOGUE);
    await eventually(() => catalogue.findSmartcard({ serial_number: 'SN-WALK' }), (found) => found !== null);
    await eventually(() => catalogue.findService({ code: 'WALK' }), (found) => found !== null);
  });
  afterAll(() => t?.close());

  it('every table names the same request types', () => {
    const sorted = (keys: string[]) => [...keys].sort();
    expect(REQUEST_TYPES.length).toBeGreaterThan(0);
    expect(sorted(Object.keys(REQUEST_TYPE_DEFINITIONS))).toEqual(sorted(REQUEST_TYPES));
    expect(sorted(Object.keys(CREATE_ROUTES))).toEqual(sorted(REQUEST_TYPES));
    expect(sorted(Object.keys(EXAMPLES))).toEqual(sorted(REQUEST_TYPES));
    for (const type of REQUEST_TYPES) expect(REQUEST_TYPE_RULES[type].label).toMatch(/\S/);
  });

  const walked = new Set<RequestType>();

  async function walk(type: RequestType): Promise<void> {
    if (walked.has(type)) return;
    const example = EXAMPLES[type];
    if (example.after) await walk(example.after);
    walked.add(type);
    const created = await t.http.post(routeOf(type)).send({ token, ...example.body });
    expect({ type, status: created.status, code: created.body.status?.code }).toEqual({ type, status: 200, code: 'OK' });
    const id = created.body.data.id as string;
    expect(created.body.data).toMatchObject({ type, life_cycle_state: 'PENDING' });

    // The run sends it; the connector calls Conax; the outcome comes back.
    await runOnce(t.app);
    const final = await waitForFinal(t, token, id);
    expect({ type, state: final.life_cycle_state, error: final.error_code ?? null }).toEqual({ type, state: 'COMPLETED', error: null });
    expect(final.reference_number).toEqual(expect.any(String));
    expect({ type, result: final.result }).toEqual({ type, result: example.result ?? null });
    const calls = simulatorOf(t.app).calls().filter((call) => call.request_id === id && call.outcome === 'ok');
    expect(calls.map((call) => call.operation)).toEqual([definitionOf(type).conax.operation]);

    const listed = await t.http.get(ROUTES.list).query({ token, type });
    expect(listed.body.data.map((request: { id: string }) => request.id)).toContain(id);

    const history = (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${id}` })).body.data as { type: string; data: { type?: string } }[];
    expect(history.map((entry) => entry.type).slice(1)).toEqual(['RequestDispatched', 'RequestProcessed']);
    expect(history[0].data.type).toBe(type);
    const processed = history[2].data as { result?: unknown };
    expect({ type, result: processed.result ?? null }).toEqual({ type, result: example.result ?? null });
    // No PIN in anything the service shows: the view, its request text, the history.
    expect(JSON.stringify(final)).not.toMatch(PIN_ALONE);
    expect(JSON.stringify(history)).not.toMatch(PIN_ALONE);
    expect(REQUEST_TYPE_RULES[type].open).toBeDefined();

    const integration = await eventually(
      () => published.filter((message) => message.key === id).map((message) => JSON.parse(message.value).type as string),
      (types) => types.length >= history.length,
    );
    expect(integration).toEqual(history.map((entry) => `conax.provisioning_request.${entry.type}.v1`));
    const processedEvent = published.find((message) => message.key === id && JSON.parse(message.value).type.endsWith('RequestProcessed.v1'));
    expect({ type, result: JSON.parse(processedEvent!.value).data.result ?? null }).toEqual({ type, result: example.result ?? null });
    expect(published.filter((message) => message.key === id).map((message) => message.value).join('\n')).not.toMatch(PIN_ALONE);

    // Another organisation's user sees nothing of it, by id, by number, in list or history.
    const show = (query: Record<string, string>) => t.http.get(ROUTES.show).query({ token: outsider, ...query });
    for (const response of [await show({ provisioning_request_identifier: `id=${id}` }), await show({ provisioning_request_identifier: `number=${final.number}` })]) {
      expect({ type, status: response.status, code: response.body.status?.code }).toEqual({ type, status: 404, code: 'NOT_FOUND' });
    }
    expect((await t.http.get(ROUTES.history).query({ token: outsider, provisioning_request_identifier: `id=${id}` })).status).toBe(404);
    expect((await t.http.get(ROUTES.list).query({ token: outsider, type })).body.data.map((request: { id: string }) => request.id)).not.toContain(id);
  }

  it('the PIN reached Conax, shown as **** everywhere else, and its key is destroyed once the request is final', async () => {
    await walk('UPDATE_CA_PIN_TO_GIVEN_VALUE');
    const card = (await (await fetch(`${new URL(simulatorOf(t.app).url).origin}/cards/${PAIRED_CARD}`)).json()) as { pin: string | null };
    expect(card.pin).toBe(WALK_PIN);
    const listed = await t.http.get(ROUTES.list).query({ token, type: 'UPDATE_CA_PIN_TO_GIVEN_VALUE' });
    const request = listed.body.data[0];
    expect(request.parameters_set).toEqual([{ id: expect.any(String), smartcard_ca_id: PAIRED_CARD }, { id: expect.any(String), pin: '****' }]);
    expect(request.request).toContain('<Pin>****</Pin>');
    // Nowhere in clear: the stored events, the view's row, the dispatch and outcome messages, the integration events.
    const storage = t.app.get<StorageAdapters>(STORAGE);
    const stored = await storage.eventStore.readStream(provisioningRequestStreamId(request.id));
    const row = await storage.db.selectFrom('provisioning_requests').selectAll().where('id', '=', request.id).execute();
    const messages = [...dispatched, ...outcomes, ...published].filter((message) => message.key === request.id);
    expect(messages.length).toBeGreaterThanOrEqual(5);
    const text = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const where of [text(stored), text(row), text(messages)]) expect(where).not.toMatch(PIN_ALONE);
    // While the request was open its sealed PIN opened with its key; the next tick destroys the final request's
    // key, and replaying its history can no longer recover the PIN.
    const sealed = (stored[0].data as { sealed_pin: SealedSecret }).sealed_pin;
    expect(JSON.parse(dispatched.find((message) => message.key === request.id)!.value).sealed_pin).toEqual(sealed);
    expect(await storage.requestKeys.open(request.id, sealed)).toBe(WALK_PIN);
    await runOnce(t.app);
    const keys = await storage.db.selectFrom('request_keys').select('request_id').where('request_id', '=', request.id).execute();
    expect(keys).toEqual([]);
    expect(await storage.requestKeys.open(request.id, sealed)).toBeNull();
  });

  it.each(REQUEST_TYPES.map((type) => [type]))('%s: create → dispatch → Conax → outcome → view → history → integration event', async (type) => {
    await walk(type);
  });
});
