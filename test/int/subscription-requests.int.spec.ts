import { CATALOGUE_SERVICE_SCHEMA, CATALOGUE_SMARTCARD_SCHEMA } from '../../src/application/catalogue/catalogue-entries';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { busOf, eventually, runOnce, simulatorOf, waitForFinal } from '../support/processing';

const TOPICS = { services: 'conax.catalogue.services.v1', smartcards: 'conax.catalogue.smartcards.v1' };

/** The catalogue is fed as other services feed it: upsert/delete messages on the (in-process) bus. */
async function feedCatalogue(t: TestApp): Promise<void> {
  const bus = busOf(t.app);
  const services = [
    { id: 'SRV-SPORT', code: 'SPORT', alternative_code: 'SP-HD', service_ca_id: '501' },
    { id: 'SRV-MOVIES', code: 'MOVIES', service_ca_id: '502' },
    { id: 'SRV-GONE', code: 'GONE', service_ca_id: '599' },
  ];
  const smartcards = [
    { id: 'SC-1', serial_number: 'SN-0001', alternative_code: 'ALT-1', smartcard_ca_id: '01900080207', sub_provisioning_distribution_id: 'DIST-9' },
    { id: 'SC-2', serial_number: 'SN-0002', smartcard_ca_id: '01900080208' },
  ];
  await bus.publish(TOPICS.services, services.map((service) => ({ key: service.id, value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service }), headers: {} })));
  await bus.publish(TOPICS.smartcards, smartcards.map((smartcard) => ({ key: smartcard.id, value: JSON.stringify({ schema: CATALOGUE_SMARTCARD_SCHEMA, action: 'upsert', smartcard }), headers: {} })));
  await bus.publish(TOPICS.services, [{ key: 'SRV-GONE', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'delete', id: 'SRV-GONE' }), headers: {} }]);
}

const changeBody = (overrides: Record<string, unknown> = {}) => ({
  subscription_identifier: { number: 'SUB-42' },
  service_identifier: { code: 'SPORT' },
  smartcard_identifier: { serial_number: 'SN-0001' },
  ...overrides,
});

describe('add_subscriptions and cancel_subscriptions (embedded default)', () => {
  let t: TestApp;
  let token: string;
  const post = (route: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.http.post(route).set(headers).send({ token, ...body });
  const history = async (id: string) =>
    (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${id}` })).body.data;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000' });
    token = await t.login();
    await feedCatalogue(t);
    // The feed is asynchronous: wait until the delete (the last message) has been applied.
    await eventually(
      async () => (await post(ROUTES.addSubscriptions, changeBody({ service_identifier: { code: 'GONE' } }))).body.status.code,
      (code) => code === 'INVALID_PARAMETER',
    );
  });
  afterAll(() => t.close());

  it('creates an ADD_SUBSCRIPTIONS request with the resolved CA IDs in parameters_set', async () => {
    const response = await post(ROUTES.addSubscriptions, changeBody({ start_date: '2026-12-01' }));
    expect(response.status).toBe(200);
    expect(response.body.status.code).toBe('OK');
    const data = response.body.data;
    expect(data).toMatchObject({
      type: 'ADD_SUBSCRIPTIONS',
      life_cycle_state: 'PENDING',
      process_name: 'MANUAL',
      subscription: { id: null, number: 'SUB-42' },
      sequence_number: null,
    });
    expect(data.parameters_set).toEqual([
      { id: expect.stringMatching(/^[0-9A-F]{32}$/), smartcard_ca_id: '01900080207' },
      { id: expect.stringMatching(/^[0-9A-F]{32}$/), service_ca_id: '501' },
      { id: expect.stringMatching(/^[0-9A-F]{32}$/), sub_provisioning_distribution_id: 'DIST-9' },
    ]);
    const [creation] = await history(data.id);
    expect(creation).toMatchObject({
      type: 'SubscriptionsAddRequested',
      data: { service: { id: 'SRV-SPORT', service_ca_id: '501' }, smartcard: { id: 'SC-1', smartcard_ca_id: '01900080207' }, start_date: '2026-12-01' },
    });
  });

  it('resolves every identifier key: service id / code / alternative_code, smartcard id / serial_number / alternative_code', async () => {
    for (const [service, smartcard] of [
      [{ id: 'SRV-MOVIES' }, { id: 'SC-2' }],
      [{ code: 'MOVIES' }, { serial_number: 'SN-0002' }],
      [{ alternative_code: 'SP-HD' }, { alternative_code: 'ALT-1' }],
    ]) {
      const response = await post(ROUTES.addSubscriptions, changeBody({ service_identifier: service, smartcard_identifier: smartcard }));
      expect(response.body.status.code).toBe('OK');
    }
  });

  it('answers the field names of bad input, and creates nothing', async () => {
    const before = (await t.http.get(ROUTES.list).query({ token, number_of_results: 1000 })).body.data.length;
    const cases: [Record<string, unknown>, number, string, string][] = [
      [changeBody({ subscription_identifier: undefined }), 400, 'MISSING_PARAMETER', 'subscription_identifier'],
      [changeBody({ service_identifier: undefined }), 400, 'MISSING_PARAMETER', 'service_identifier'],
      [changeBody({ smartcard_identifier: undefined }), 400, 'MISSING_PARAMETER', 'smartcard_identifier'],
      [changeBody({ service_identifier: { code: 'NOPE' } }), 400, 'INVALID_PARAMETER', 'service_identifier'],
      [changeBody({ smartcard_identifier: { serial_number: 'NOPE' } }), 400, 'INVALID_PARAMETER', 'smartcard_identifier'],
      [changeBody({ service_identifier: { id: 'SRV-SPORT', code: 'SPORT' } }), 400, 'INVALID_PARAMETER', 'service_identifier'],
      [changeBody({ smartcard_identifier: {} }), 400, 'INVALID_PARAMETER', 'smartcard_identifier'],
      [changeBody({ subscription_identifier: { id: 'A', number: 'B' } }), 400, 'INVALID_PARAMETER', 'subscription_identifier'],
      [changeBody({ start_date: '2026-02-30' }), 400, 'INVALID_PARAMETER', 'start_date'],
      [changeBody({ start_date: 'tomorrow' }), 400, 'INVALID_PARAMETER', 'start_date'],
      [changeBody({ smartcard_set: [] }), 400, 'INVALID_PARAMETER', 'smartcard_set'],
      [changeBody({ process_immediately: true, scheduled_date: '2099-01-01T00:00:00' }), 400, 'INVALID_PARAMETER', 'scheduled_date'],
    ];
    for (const [body, status, code, field] of cases) {
      const response = await post(ROUTES.addSubscriptions, body);
      expect({ body, status: response.status, code: response.body.status.code }).toEqual({ body, status, code });
      expect(response.body.status.description).toContain(field);
      expect(response.body.data).toBeNull();
    }
    expect((await t.http.get(ROUTES.list).query({ token, number_of_results: 1000 })).body.data.length).toBe(before);
  });

  it('adds, then cancels, a service through the processing run; a cancel of an inactive service is rejected by Conax', async () => {
    const card = { id: 'SC-2' };
    const add = (await post(ROUTES.addSubscriptions, changeBody({ service_identifier: { code: 'MOVIES' }, smartcard_identifier: card }))).body.data;
    await runOnce(t.app);
    const added = await waitForFinal(t, token, add.id);
    expect(added).toMatchObject({ life_cycle_state: 'COMPLETED', type: 'ADD_SUBSCRIPTIONS' });
    expect(added.request).toContain('<AddSubscription');
    expect(added.request).toContain('<ServiceCaId>502</ServiceCaId>');
    expect(added.response).toContain(`OK ${added.reference_number}`);

    const cancel = (await post(ROUTES.cancelSubscriptions, changeBody({ service_identifier: { code: 'MOVIES' }, smartcard_identifier: card }))).body.data;
    expect(cancel.type).toBe('CANCEL_SUBSCRIPTIONS');
    await runOnce(t.app);
    expect(await waitForFinal(t, token, cancel.id)).toMatchObject({ life_cycle_state: 'COMPLETED' });
    expect((await history(cancel.id)).map((e: { type: string }) => e.type)).toEqual(['SubscriptionsCancelRequested', 'RequestDispatched', 'RequestProcessed']);

    const again = (await post(ROUTES.cancelSubscriptions, changeBody({ service_identifier: { code: 'MOVIES' }, smartcard_identifier: card }))).body.data;
    await runOnce(t.app);
    expect(await waitForFinal(t, token, again.id)).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'SUBSCRIPTION_NOT_ACTIVE' });
    const calls = simulatorOf(t.app).calls().filter((c) => [add.id, cancel.id, again.id].includes(c.request_id ?? ''));
    expect(calls.map((c) => [c.operation, c.outcome])).toEqual([
      ['AddSubscription', 'ok'],
      ['CancelSubscription', 'ok'],
      ['CancelSubscription', 'fault'],
    ]);
  });

  it('answers process_immediately with the final state', async () => {
    const response = await post(ROUTES.addSubscriptions, changeBody({ process_immediately: true, service_identifier: { id: 'SRV-SPORT' } }));
    expect(response.body.data).toMatchObject({ life_cycle_state: 'COMPLETED', process_id: expect.stringMatching(/^[0-9A-F]{32}$/) });
  });

  it('makes a retry with the same Idempotency-Key return the first request, and another body a 409', async () => {
    const key = { 'Idempotency-Key': `sub-${Date.now()}` };
    const first = await post(ROUTES.cancelSubscriptions, changeBody(), key);
    const retry = await post(ROUTES.cancelSubscriptions, changeBody(), key);
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(retry.body.data.number).toBe(first.body.data.number);
    expect((await post(ROUTES.addSubscriptions, changeBody(), key)).status).toBe(409);
  });

  it('answers a retry with the first request even after the catalogue dropped its service', async () => {
    const bus = busOf(t.app);
    const service = { id: 'SRV-BRIEF', code: 'BRIEF', service_ca_id: '555' };
    await bus.publish(TOPICS.services, [{ key: service.id, value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service }), headers: {} }]);
    const key = { 'Idempotency-Key': `brief-${Date.now()}` };
    const body = changeBody({ service_identifier: { code: 'BRIEF' } });
    const first = await eventually(() => post(ROUTES.addSubscriptions, body, key), (r) => r.status === 200);
    await bus.publish(TOPICS.services, [{ key: service.id, value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'delete', id: service.id }), headers: {} }]);
    await eventually(async () => (await post(ROUTES.addSubscriptions, body)).body.status.code, (code) => code === 'INVALID_PARAMETER');
    const retry = await post(ROUTES.addSubscriptions, body, key);
    expect(retry.status).toBe(200);
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(retry.body.data.parameters_set).toEqual(first.body.data.parameters_set);
  });

  it('filters list by type across every request type', async () => {
    await post(ROUTES.create, pairingBody());
    const ofType = async (type: string) => (await t.http.get(ROUTES.list).query({ token, type, number_of_results: 1000 })).body.data;
    for (const type of ['CREATE_PAIRING', 'ADD_SUBSCRIPTIONS', 'CANCEL_SUBSCRIPTIONS']) {
      const listed = await ofType(type);
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((r: { type: string }) => r.type === type)).toBe(true);
    }
  });

  it("hides another organisation's subscription request like a missing one", async () => {
    const created = (await post(ROUTES.addSubscriptions, changeBody())).body.data;
    const intruder = await t.login('mallory', 'mallory-pw');
    const shown = await t.http.get(ROUTES.show).query({ token: intruder, provisioning_request_identifier: `id=${created.id}` });
    expect(shown.status).toBe(404);
  });
});
