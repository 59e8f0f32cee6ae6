import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { eventually, waitForFinal } from '../support/processing';
import { EVENT_STORE, EventStore } from '../../src/application/ports/event-store.port';
import { derivedId } from '../../src/application/ports/id-generator.port';

/**
 * SPEC §2 Organisations: a user only ever sees the requests of their own organisation. Another
 * organisation's request answers exactly like a missing one, on every route, by id and by number.
 */
describe('organisation isolation (embedded adapters)', () => {
  let t: TestApp;
  let acme: string;
  let globex: string;
  let acmeRequest: { id: string; number: string };
  let globexRequest: { id: string; number: string };

  const get = (route: string, token: string, query: Record<string, string | number>) => t.http.get(route).query({ token, ...query });

  beforeAll(async () => {
    t = await startTestApp();
    acme = await t.login('alice');
    globex = await t.login('mallory');
    const a = await t.http.post(ROUTES.create).send({ token: acme, ...pairingBody({ process_immediately: true }) });
    const g = await t.http.post(ROUTES.create).send({ token: globex, ...pairingBody({ stb_set: [{ stb_ca_id: '4500099999' }] }) });
    expect([a.status, g.status]).toEqual([200, 200]);
    acmeRequest = a.body.data;
    globexRequest = g.body.data;
    await waitForFinal(t, acme, acmeRequest.id);
  });
  afterAll(() => t.close());

  it('shows each organisation its own request, by id and by number', async () => {
    for (const identifier of [`id=${acmeRequest.id}`, `number=${acmeRequest.number}`]) {
      const own = await get(ROUTES.show, acme, { provisioning_request_identifier: identifier });
      expect(own.status).toBe(200);
      expect(own.body.data.id).toBe(acmeRequest.id);
    }
  });

  it.each([
    ['show', ROUTES.show],
    ['history', ROUTES.history],
  ])('%s: another organisation’s request is 404 with the very body of a missing one', async (_, route) => {
    const missingId = await get(route, globex, { provisioning_request_identifier: `id=${'F'.repeat(32)}` });
    const missingNumber = await get(route, globex, { provisioning_request_identifier: 'number=999999999' });
    const byId = await get(route, globex, { provisioning_request_identifier: `id=${acmeRequest.id}` });
    const byNumber = await get(route, globex, { provisioning_request_identifier: `number=${acmeRequest.number}` });
    for (const response of [byId, byNumber, missingId, missingNumber]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual(missingId.body);
    }
    expect(JSON.stringify(byId.body)).not.toContain(acmeRequest.id);
  });

  it('history by id still works for the owner, and only for the owner', async () => {
    const own = await get(ROUTES.history, acme, { provisioning_request_identifier: `id=${acmeRequest.id}` });
    expect(own.status).toBe(200);
    expect(own.body.data.map((e: { type: string }) => e.type)).toEqual(['PairingRequested', 'RequestDispatched', 'RequestProcessed']);
    expect(own.body.data[0].data.organisation).toBe('ACME');
    const theirs = await get(ROUTES.history, globex, { provisioning_request_identifier: `id=${acmeRequest.id}` });
    expect(theirs.status).toBe(404);
  });

  it('list never includes another organisation’s requests, with every filter', async () => {
    const completed = await waitForFinal(t, acme, acmeRequest.id);
    const filters: Array<Record<string, string | number>> = [
      {},
      { type: 'CREATE_PAIRING' },
      { life_cycle_state: 'COMPLETED' },
      { life_cycle_state: 'PENDING' },
      { reference_number: completed.reference_number },
      { type: 'CREATE_PAIRING', life_cycle_state: 'COMPLETED', reference_number: completed.reference_number },
      { number_of_results: 1000, offset: 0 },
    ];
    for (const filter of filters) {
      const asGlobex = await get(ROUTES.list, globex, filter);
      expect(asGlobex.status).toBe(200);
      expect(asGlobex.body.data.map((r: { id: string }) => r.id)).not.toContain(acmeRequest.id);
      const asAcme = await get(ROUTES.list, acme, filter);
      expect(asAcme.body.data.map((r: { id: string }) => r.id)).not.toContain(globexRequest.id);
    }
    const all = await get(ROUTES.list, globex, {});
    expect(all.body.data.map((r: { id: string }) => r.id)).toEqual([globexRequest.id]);
    const byReference = await get(ROUTES.list, acme, { reference_number: completed.reference_number });
    expect(byReference.body.data.map((r: { id: string }) => r.id)).toEqual([acmeRequest.id]);
  });

  it('the same Idempotency-Key in two organisations makes two requests', async () => {
    const headers = { 'Idempotency-Key': 'shared-key-1' };
    const a = await t.http.post(ROUTES.create).set(headers).send({ token: acme, ...pairingBody() });
    const g = await t.http.post(ROUTES.create).set(headers).send({ token: globex, ...pairingBody() });
    expect([a.status, g.status]).toEqual([200, 200]);
    expect(a.body.data.id).not.toBe(g.body.data.id);
  });

  it('creation records the organisation in the event and in the metadata user, not in the shown user', async () => {
    const history = await get(ROUTES.history, globex, { provisioning_request_identifier: `id=${globexRequest.id}` });
    expect(history.body.data[0].data.organisation).toBe('GLOBEX');
    expect(history.body.data[0].user.organisation).toBe('GLOBEX');
    const shown = await get(ROUTES.show, globex, { provisioning_request_identifier: `id=${globexRequest.id}` });
    expect(Object.keys(shown.body.data.log_information.created_by_user)).toEqual(['id', 'username', 'person_name', 'email']);
  });

  it('reads a creation event stored before organisations with the organisation of its metadata user', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const id = derivedId('legacy-request', String(Date.now()));
    const user = { id: derivedId('user', 'ACME', 'alice'), username: 'alice', person_name: 'Alice Liddell', email: null };
    const now = new Date().toISOString();
    await store.appendToStream(
      `provisioning_request-${id}`,
      [
        {
          eventId: derivedId('legacy-event', id),
          type: 'PairingRequested',
          // Version 1 of PairingRequested: no organisation member, no organisation in the metadata user.
          data: {
            request_id: id, number: '88888888', type: 'CREATE_PAIRING', subscription: null, process_immediately: false,
            scheduled_date: '2999-01-01T00:00:00.000Z', priority: 'REGULAR', process_name: 'MANUAL',
            smartcards: [{ id: 'S', smartcard_ca_id: '01900080207' }], stbs: [{ id: 'B', stb_ca_id: '4500012345' }],
            requested_at: now, fingerprint: 'legacy',
          },
          metadata: { correlation_id: 'legacy', causation_id: null, user, timestamp: now, schema_version: 1 },
        },
      ],
      'no_stream',
    );
    const shown = await eventually(
      () => get(ROUTES.show, acme, { provisioning_request_identifier: 'number=88888888' }),
      (r) => r.status === 200,
    );
    expect(shown.body.data.id).toBe(id);
    expect((await get(ROUTES.show, globex, { provisioning_request_identifier: 'number=88888888' })).status).toBe(404);
    const history = await get(ROUTES.history, acme, { provisioning_request_identifier: `id=${id}` });
    expect(history.body.data[0].data.organisation).toBe('ACME');
    expect((await get(ROUTES.history, globex, { provisioning_request_identifier: `id=${id}` })).status).toBe(404);
  });
});
