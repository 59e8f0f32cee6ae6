import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { CATALOGUE, Catalogue } from '../../src/application/ports/catalogue.port';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

jest.setTimeout(60_000);

/** One raw HTTP/1.1 exchange on its own connection: what Node's parser answers before any route runs. */
function rawExchange(port: number, text: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body] = received.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: JSON.parse(body) });
    });
    socket.write(text);
  });
}

/**
 * The contract, route by route: every route answers its success and its documented failures, and every
 * answer here (as in every other suite started with startTestApp) is checked against /docs-json — its route,
 * its status and its body's schema. This file makes sure each route and each status is exercised at least once.
 */
describe('the API contract: every route, its success and its documented failures, as /docs-json declares them', () => {
  let t: TestApp;
  let alice: string;
  let olivia: string;
  let created: { id: string; number: string };

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', RUN_CONNECTOR: 'false' });
    await t.app.listen(0, '127.0.0.1');
    alice = await t.login();
    olivia = await t.login('olivia');
    const catalogue = t.app.get<Catalogue>(CATALOGUE);
    await catalogue.upsertServices([{ id: 'SRV-1', code: 'GOLD', alternative_code: null, service_ca_id: '577' }]);
    await catalogue.upsertSmartcards([{ id: 'SC-1', serial_number: 'SN-1', alternative_code: null, smartcard_ca_id: '0190008029999', sub_provisioning_distribution_id: null }]);
    created = (await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
  });
  afterAll(() => t?.close());
  afterEach(() => {
    expect(t.conformance.violations).toEqual([]);
  });

  const port = () => (t.app.getHttpServer().address() as { port: number }).port;

  it('the check itself refuses an undeclared status, a body off its schema and an unknown error code', () => {
    expect(t.conformance.problems('get', ROUTES.list, 418, {})).toHaveLength(1);
    expect(t.conformance.problems('get', ROUTES.show, 200, { status: { code: 'OK', message: null, description: null }, data: { id: 5 } })).toHaveLength(1);
    expect(t.conformance.problems('post', ROUTES.create, 400, { status: { code: 'NOT_A_CODE', message: 'x', description: null }, data: null })).toHaveLength(1);
    expect(t.conformance.problems('post', ROUTES.create, 409, { status: { code: 'INVALID_PARAMETER', message: 'x', description: null }, data: null })).toHaveLength(1);
  });

  it('documents the envelope, both token security schemes and every route', () => {
    return t.http.get('/docs-json').then(({ body }) => {
      expect(Object.keys(body.components.securitySchemes).sort()).toEqual(['bearer', 'token_query']);
      expect(body.components.schemas.ErrorEnvelope).toBeDefined();
      for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>(body.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          for (const status of ['200', '400', '413', '415', '429', '431', '500', '503']) expect(`${method} ${path} ${status}: ${status in operation.responses}`).toBe(`${method} ${path} ${status}: true`);
          if (!path.endsWith('/authentication/token')) expect(operation.security).toEqual(expect.arrayContaining([{ bearer: [] }, { token_query: [] }]));
        }
      }
    });
  });

  it('authentication/token: 200, 400, 401, 413, 415', async () => {
    expect((await t.http.post(ROUTES.token).send({ username: 'alice', password: 'wonderland', organisation: 'ACME' })).status).toBe(200);
    expect((await t.http.post(ROUTES.token).send({ username: 'alice', password: 'wonderland' })).body.status.code).toBe('MISSING_PARAMETER');
    expect((await t.http.post(ROUTES.token).send({ username: 'alice', password: 'nope', organisation: 'ACME' })).status).toBe(401);
    expect((await t.http.post(ROUTES.token).send({ username: 'alice', password: 'x'.repeat(300_000), organisation: 'ACME' })).status).toBe(413);
    expect((await t.http.post(ROUTES.token).set('Content-Type', 'text/plain').send('hello')).status).toBe(415);
  });

  it('authentication/token/release: 200 with the body left out, 400 for a token that is not a string, 401 without one', async () => {
    const token = await t.login('bob');
    expect((await t.http.post(ROUTES.release).set('Authorization', `Bearer ${token}`)).body).toEqual({ status: { code: 'OK', message: null, description: null }, data: null });
    const notText = await t.http.post(ROUTES.release).send({ token: 42 });
    expect(notText.status).toBe(400);
    expect(notText.body.status).toMatchObject({ code: 'INVALID_PARAMETER', description: 'token: must be a string' });
    expect((await t.http.post(ROUTES.release).send({})).status).toBe(401);
  });

  it('create_pairing: 200, 400 naming the member, 409, 401', async () => {
    expect(created.id).toMatch(/^[0-9A-F]{32}$/);
    const long = await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody({ smartcard_set: [{ smartcard_ca_id: '1'.repeat(33) }] }) });
    expect(long.status).toBe(400);
    expect(long.body.status.description).toBe('smartcard_set[0].smartcard_ca_id: must be at most 32 characters');
    // A member left out is absent; sent as null it is refused like any other wrong type (it was a 500 here).
    for (const member of ['subscription_identifier', 'priority', 'process_immediately', 'scheduled_date']) {
      const nulled = await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody({ [member]: null }) });
      expect([member, nulled.status, nulled.body.status.code, nulled.body.status.description.split(':')[0]]).toEqual([member, 400, 'INVALID_PARAMETER', member]);
    }
    const key = { 'Idempotency-Key': 'contract-409' };
    expect((await t.http.post(ROUTES.create).set(key).send({ token: alice, ...pairingBody() })).status).toBe(200);
    expect((await t.http.post(ROUTES.create).set(key).send({ token: alice, ...pairingBody({ priority: 'EXPRESS' }) })).status).toBe(409);
    expect((await t.http.post(ROUTES.create).send(pairingBody())).status).toBe(401);
  });

  it('add_subscriptions and cancel_subscriptions: 200, 400', async () => {
    const body = { token: alice, subscription_identifier: { number: 'S-1' }, service_identifier: { code: 'GOLD' }, smartcard_identifier: { serial_number: 'SN-1' } };
    const added = await t.http.post(ROUTES.addSubscriptions).send(body);
    expect(added.status).toBe(200);
    expect(added.body.data.parameters_set).toEqual(expect.arrayContaining([expect.objectContaining({ service_ca_id: '577' })]));
    expect((await t.http.post(ROUTES.cancelSubscriptions).send(body)).status).toBe(200);
    const unknown = await t.http.post(ROUTES.addSubscriptions).send({ ...body, service_identifier: { code: 'NONE' } });
    expect(unknown.status).toBe(400);
    const both = await t.http.post(ROUTES.addSubscriptions).send({ ...body, service_identifier: { code: 'GOLD', id: 'SRV-1' } });
    expect(both.status).toBe(400);
  });

  it('show, list and history: 200 (with and without fields_set), 400, 404', async () => {
    const identifier = `id=${created.id}`;
    expect((await t.http.get(ROUTES.show).query({ token: alice, provisioning_request_identifier: identifier })).body.data.id).toBe(created.id);
    expect((await t.http.get(ROUTES.show).query({ token: alice, provisioning_request_identifier: identifier, fields_set: 'number,id' })).body.data).toEqual({ number: created.number, id: created.id });
    expect((await t.http.get(ROUTES.show).query({ token: alice, provisioning_request_identifier: 'id=NOPE' })).status).toBe(404);
    for (let i = 0; i < 3; i++) await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody() });
    const firstPage = await t.http.get(ROUTES.list).query({ token: alice, number_of_results: 2 });
    expect(firstPage.body.data).toHaveLength(2);
    expect(firstPage.headers['x-next-offset']).toBe('2');
    const total = (await t.http.get(ROUTES.list).query({ token: alice, number_of_results: 1000 })).body.data.length;
    const lastPage = await t.http.get(ROUTES.list).query({ token: alice, number_of_results: 2, offset: total - 2 });
    expect(lastPage.body.data).toHaveLength(2);
    expect(lastPage.headers['x-next-offset']).toBeUndefined();
    // Paging counts only the caller's organisation: another organisation, with nothing of its own, has no next page.
    const mallory = await t.login('mallory');
    const outsider = await t.http.get(ROUTES.list).query({ token: mallory, number_of_results: 1 });
    expect(outsider.body.data).toEqual([]);
    expect(outsider.headers['x-next-offset']).toBeUndefined();
    expect((await t.http.get(ROUTES.list).query({ token: alice, number_of_results: 2.5 })).status).toBe(400);
    const history = (await t.http.get(ROUTES.history).query({ token: alice, provisioning_request_identifier: identifier })).body.data;
    expect(history[0]).not.toHaveProperty('parked_by');
    expect(history[0].data).not.toHaveProperty('fingerprint');
    expect(history[0].timestamp).toMatch(/Z$/);
    expect((await t.http.get(ROUTES.history).query({ token: alice, provisioning_request_identifier: 'number=0' })).status).toBe(404);
  });

  it('operations: 200 for the operations role, 403 for another user, 400 for an unknown member, 404 for nothing parked', async () => {
    for (const route of [ROUTES.operationsStatus, ROUTES.operationsCharts, ROUTES.parked, ROUTES.actions]) {
      expect((await t.http.get(route).query({ token: olivia })).status).toBe(200);
      expect((await t.http.get(route).query({ token: alice })).status).toBe(403);
      expect((await t.http.get(route).query({ token: olivia, colour: 'blue' })).status).toBe(400);
    }
    expect((await t.http.post(ROUTES.redrive).send({ token: olivia, kind: 'message', id: 'none' })).status).toBe(404);
    expect((await t.http.post(ROUTES.discard).send({ token: olivia, kind: 'message', id: 'none' })).status).toBe(404);
    expect((await t.http.post(ROUTES.redrive).send({ token: olivia, kind: 'parcel' })).status).toBe(400);
  });

  it('describes a refused body without echoing it, and names a field once', async () => {
    const gzipped = await t.http.post(ROUTES.create).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(gzipSync(JSON.stringify({ token: alice, ...pairingBody() })));
    expect(gzipped.status).toBe(415);
    expect(gzipped.body.status.description).toBe('Content-Encoding: gzip is not accepted; send the JSON uncompressed');
    const garbled = await t.http.post(ROUTES.create).set('Content-Type', 'application/json').send('\u001f\u008b{not json');
    expect(garbled.status).toBe(400);
    expect(garbled.body.status.description).toMatch(/^body: not valid JSON( at position \d+)?$/);
    const proto = await t.http.post(ROUTES.create).set('Content-Type', 'application/json').send('{"__proto__":{"admin":true}}');
    expect(proto.body.status.description).toBe('body: a __proto__ member is not allowed');
    const body = { token: alice, subscription_identifier: { number: 'S-1' }, service_identifier: { code: 'NONE' }, smartcard_identifier: { serial_number: 'SN-1' } };
    expect((await t.http.post(ROUTES.addSubscriptions).send(body)).body.status.description).toBe('service_identifier: names no service in the catalogue.');
  });

  it('answers what the HTTP parser refuses in the envelope: 431 for oversized headers, 400 for ambiguous framing; and an unknown route 404', async () => {
    const oversized = await rawExchange(port(), `GET ${ROUTES.list} HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    expect(oversized.status).toBe(431);
    expect(t.conformance.problems('get', ROUTES.list, oversized.status, oversized.body)).toEqual([]);
    expect(oversized.body).toMatchObject({ status: { code: 'INVALID_PARAMETER' }, data: null });
    const framing = await rawExchange(port(), `POST ${ROUTES.token} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`);
    expect(framing.status).toBe(400);
    expect(t.conformance.problems('post', ROUTES.token, framing.status, framing.body)).toEqual([]);
    const unknown = await t.http.get('/crmapi/rest/v2/nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ status: { code: 'NOT_FOUND', message: 'There is no such route.', description: null }, data: null });
  });
});
