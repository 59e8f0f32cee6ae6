import { BASE, ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

describe('HTTP edge: every failure is an envelope, never a 500', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '2048' });
    token = await t.login();
  });
  afterAll(() => t.close());

  const expectEnvelope = (response: { status: number; body: any; text: string }, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.body.status.code).toBe(code);
    expect(typeof response.body.status.message).toBe('string');
    expect(response.body.data).toBeNull();
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/);
  };

  it('answers a body over the cap with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = pairingBody({ token, stb_set: Array.from({ length: 200 }, (_, i) => ({ stb_ca_id: `${i}` })) });
    expectEnvelope(await t.http.post(ROUTES.create).send(big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a non-JSON body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await t.http.post(ROUTES.create).set('Content-Type', 'text/plain').send('token=x');
    expectEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await t.http.post(ROUTES.token).type('form').send({ username: 'alice' });
    expectEnvelope(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers malformed JSON with 400 INVALID_PARAMETER', async () => {
    const response = await t.http.post(ROUTES.create).set('Content-Type', 'application/json').send('{"token": ');
    expectEnvelope(response, 400, 'INVALID_PARAMETER');
  });

  it.each([['[]'], ['"text"'], ['42'], ['null']])('answers the JSON value %s as body with 400', async (body) => {
    const response = await t.http.post(ROUTES.create).set('Content-Type', 'application/json').send(body);
    expectEnvelope(response, 400, 'INVALID_PARAMETER');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    expectEnvelope(await t.http.get(`${BASE}/conax_web_services/nothing`).query({ token }), 404, 'NOT_FOUND');
    expectEnvelope(await t.http.get('/nowhere'), 404, 'NOT_FOUND');
  });

  it('shrugs off hostile bodies: prototype keys, deep nesting, odd unicode', async () => {
    const proto = await t.http
      .post(ROUTES.create)
      .set('Content-Type', 'application/json')
      .send(`{"token":"${token}","__proto__":{"admin":true},"smartcard_set":[{"smartcard_ca_id":"1"}],"stb_set":[{"stb_ca_id":"2"}]}`);
    expect(proto.status).toBe(400);
    expect(proto.body.status.code).toBe('INVALID_PARAMETER');
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = { a: deep };
    expectEnvelope(await t.http.post(ROUTES.create).send({ token, ...pairingBody(), subscription_identifier: deep }), 400, 'INVALID_PARAMETER');
    // SPEC §1: a CA ID is printable ASCII only (a bidi override and an emoji are not).
    const odd = await t.http.post(ROUTES.create).send({ token, ...pairingBody({ stb_set: [{ stb_ca_id: '\u202e\ud83d\ude00' }] }) });
    expectEnvelope(odd, 400, 'INVALID_PARAMETER');
  });

  it('serves the OpenAPI document at /docs with every route', async () => {
    const response = await t.http.get('/docs-json');
    expect(response.status).toBe(200);
    const paths = Object.keys(response.body.paths);
    for (const route of Object.values(ROUTES)) expect(paths).toContain(route);
    const create = response.body.paths[ROUTES.create].post.responses;
    for (const status of ['200', '400', '401', '409', '413', '415', '429', '500', '503']) expect(create).toHaveProperty(status);
  });
});

describe('rate limiting', () => {
  it('answers beyond RATE_LIMIT_PER_MINUTE with 429 RATE_LIMITED', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      let last: any;
      for (let i = 0; i < 5; i++) {
        last = await t.http.get(ROUTES.list);
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(last.body.status.code).toBe('RATE_LIMITED');
      expect(last.body.data).toBeNull();
    } finally {
      await t.close();
    }
  });
});
