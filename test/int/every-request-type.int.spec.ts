import { CATALOGUE_SERVICE_SCHEMA, CATALOGUE_SMARTCARD_SCHEMA } from '../../src/application/catalogue/catalogue-entries';
import { CATALOGUE, Catalogue } from '../../src/application/ports/catalogue.port';
import { definitionOf, REQUEST_TYPE_DEFINITIONS } from '../../src/application/request-types/request-types';
import { REQUEST_TYPE_RULES, REQUEST_TYPES, RequestType } from '../../src/domain/provisioning-request';
import { CREATE_ROUTES } from '../../src/infrastructure/http/provisioning-requests/create-routes';
import { busOf, eventually, recordTopic, runOnce, simulatorOf, waitForFinal } from '../support/processing';
import { BASE, ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

const EVENTS_TOPIC = 'conax.provisioning-requests.events.v1';

/**
 * A valid body per request type, and a type whose request must have been carried out first (a cancel needs
 * an active service). A mapped type: a type added to the domain's table without an example here does not compile.
 */
const EXAMPLES: { [T in RequestType]: { body: Record<string, unknown>; after?: RequestType } } = {
  CREATE_PAIRING: { body: pairingBody({ smartcard_set: [{ smartcard_ca_id: '0190008020777' }], stb_set: [{ stb_ca_id: '4500012377' }] }) },
  ADD_SUBSCRIPTIONS: { body: { subscription_identifier: { number: 'SUB-WALK' }, service_identifier: { code: 'WALK' }, smartcard_identifier: { serial_number: 'SN-WALK' } } },
  CANCEL_SUBSCRIPTIONS: {
    body: { subscription_identifier: { number: 'SUB-WALK' }, service_identifier: { code: 'WALK' }, smartcard_identifier: { serial_number: 'SN-WALK' } },
    after: 'ADD_SUBSCRIPTIONS',
  },
};

/**
 * Walks every request type of the table through the whole pipeline on the embedded default: create (its
 * generated route), dispatch by the processing run, the Conax call (the simulator's log names the type's
 * operation), the outcome, the view (show and list by type), the history and the integration events. A type
 * added to one table but not another, or whose route, Conax operation or simulator behaviour is missing, fails here.
 */
describe('every request type, end to end (embedded default), walled per organisation', () => {
  let t: TestApp;
  let token: string;
  let outsider: string;
  let published: Awaited<ReturnType<typeof recordTopic>>;
  const routeOf = (type: RequestType) => `${BASE}/conax_web_services/provisioning_requests/${definitionOf(type).route}`;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000' });
    token = await t.login();
    outsider = await t.login('mallory');
    published = await recordTopic(t.app, EVENTS_TOPIC);
    const bus = busOf(t.app);
    await bus.publish('conax.catalogue.services.v1', [
      { key: 'SRV-WALK', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service: { id: 'SRV-WALK', code: 'WALK', service_ca_id: '577' } }), headers: {} },
    ]);
    await bus.publish('conax.catalogue.smartcards.v1', [
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
  afterAll(() => t.close());

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
    const calls = simulatorOf(t.app).calls().filter((call) => call.request_id === id && call.outcome === 'ok');
    expect(calls.map((call) => call.operation)).toEqual([definitionOf(type).conax.operation]);

    const listed = await t.http.get(ROUTES.list).query({ token, type });
    expect(listed.body.data.map((request: { id: string }) => request.id)).toContain(id);

    const history = (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${id}` })).body.data as { type: string; data: { type?: string } }[];
    expect(history.map((entry) => entry.type).slice(1)).toEqual(['RequestDispatched', 'RequestProcessed']);
    expect(history[0].data.type).toBe(type);
    expect(REQUEST_TYPE_RULES[type].open).toBeDefined();

    const integration = await eventually(
      () => published.filter((message) => message.key === id).map((message) => JSON.parse(message.value).type as string),
      (types) => types.length >= history.length,
    );
    expect(integration).toEqual(history.map((entry) => `conax.provisioning_request.${entry.type}.v1`));

    // Another organisation's user sees nothing of it, by id, by number, in list or history.
    const show = (query: Record<string, string>) => t.http.get(ROUTES.show).query({ token: outsider, ...query });
    for (const response of [await show({ provisioning_request_identifier: `id=${id}` }), await show({ provisioning_request_identifier: `number=${final.number}` })]) {
      expect({ type, status: response.status, code: response.body.status?.code }).toEqual({ type, status: 404, code: 'NOT_FOUND' });
    }
    expect((await t.http.get(ROUTES.history).query({ token: outsider, provisioning_request_identifier: `id=${id}` })).status).toBe(404);
    expect((await t.http.get(ROUTES.list).query({ token: outsider, type })).body.data.map((request: { id: string }) => request.id)).not.toContain(id);
  }

  it.each(REQUEST_TYPES.map((type) => [type]))('%s: create → dispatch → Conax → outcome → view → history → integration event', async (type) => {
    await walk(type);
  });
});
