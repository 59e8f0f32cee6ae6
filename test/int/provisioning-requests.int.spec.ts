import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

const HEX32 = /^[0-9A-F]{32}$/;
const API_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

describe('provisioning requests over HTTP (embedded adapters)', () => {
  let t: TestApp;
  let token: string;
  const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.http.post(ROUTES.create).set(headers).send({ token, ...body });
  const show = (query: Record<string, string>) => t.http.get(ROUTES.show).query({ token, ...query });
  const list = (query: Record<string, string | number> = {}) => t.http.get(ROUTES.list).query({ token, ...query });
  const history = (query: Record<string, string>) => t.http.get(ROUTES.history).query({ token, ...query });

  beforeAll(async () => {
    t = await startTestApp({ SERVICE_TIME_ZONE: 'Europe/Nicosia', MAX_SET_SIZE: '5' });
    token = await t.login();
  });
  afterAll(() => t.close());

  describe('create_pairing', () => {
    it('creates a PENDING CREATE_PAIRING request with every SPEC §3 field', async () => {
      const response = await create(
        pairingBody({
          subscription_identifier: { number: 'SUB-1' },
          priority: 'EXPRESS',
          scheduled_date: '2030-01-02T03:04:05',
          smartcard_set: [{ smartcard_ca_id: '01900080207' }, { smartcard_ca_id: '01900080208' }],
        }),
      );
      expect(response.status).toBe(200);
      expect(response.body.status).toEqual({ code: 'OK', message: null, description: null });
      const data = response.body.data;
      expect(data.id).toMatch(HEX32);
      expect(data).toMatchObject({
        type: 'CREATE_PAIRING',
        sequence_number: null,
        scheduled_date: '2030-01-02T03:04:05',
        executed_date: null,
        priority: 'EXPRESS',
        process_immediately: false,
        life_cycle_state: 'PENDING',
        request: null,
        response: null,
        reference_number: null,
        error_code: null,
        error_description: null,
        process_name: 'MANUAL',
        process_id: null,
        subscription: { id: null, number: 'SUB-1' },
      });
      expect(Object.keys(data)).toEqual([
        'id', 'number', 'type', 'sequence_number', 'scheduled_date', 'executed_date', 'priority', 'process_immediately',
        'life_cycle_state', 'request', 'response', 'reference_number', 'error_code', 'error_description', 'process_name',
        'process_id', 'subscription', 'log_information', 'parameters_set', 'result',
      ]);
      expect(data.log_information.created_by_user).toEqual({
        id: expect.stringMatching(HEX32),
        username: 'alice',
        person_name: 'Alice Liddell',
        email: 'alice@example.test',
      });
      expect(data.log_information.created_date).toMatch(API_DATE);
      expect(data.parameters_set).toEqual([
        { id: expect.stringMatching(HEX32), smartcard_ca_id: '01900080207' },
        { id: expect.stringMatching(HEX32), smartcard_ca_id: '01900080208' },
        { id: expect.stringMatching(HEX32), stb_ca_id: '4500012345' },
      ]);
    });

    it('reads dates without an offset in the service zone, with an offset as given, and writes them in the zone', async () => {
      const local = await create(pairingBody({ scheduled_date: '2030-07-01T12:00:00' }));
      const utc = await create(pairingBody({ scheduled_date: '2030-07-01T09:00:00Z' }));
      const offset = await create(pairingBody({ scheduled_date: '2030-07-01T11:00:00+02:00' }));
      // Nicosia is UTC+3 in July: all three are the same instant.
      for (const response of [local, utc, offset]) expect(response.body.data.scheduled_date).toBe('2030-07-01T12:00:00');
      const [event] = (await history({ provisioning_request_identifier: `id=${utc.body.data.id}` })).body.data;
      expect(event.data.scheduled_date).toBe('2030-07-01T09:00:00.000Z');
    });

    it('gives each request a unique, increasing number', async () => {
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) numbers.push(Number((await create(pairingBody())).body.data.number));
      expect(numbers[1]).toBeGreaterThan(numbers[0]);
      expect(numbers[2]).toBeGreaterThan(numbers[1]);
    });

    it.each([
      ['missing smartcard_set', { stb_set: [{ stb_ca_id: '1' }] }, 'MISSING_PARAMETER', 'smartcard_set'],
      ['missing stb_set', { smartcard_set: [{ smartcard_ca_id: '1' }] }, 'MISSING_PARAMETER', 'stb_set'],
      ['missing CA ID member', pairingBody({ stb_set: [{}] }), 'MISSING_PARAMETER', 'stb_set[0].stb_ca_id'],
      ['unknown member', pairingBody({ colour: 'red' }), 'INVALID_PARAMETER', 'colour'],
      ['unknown nested member', pairingBody({ stb_set: [{ stb_ca_id: '1', x: 1 }] }), 'INVALID_PARAMETER', 'stb_set[0].x'],
      ['smartcard_set not an array', pairingBody({ smartcard_set: 'abc' }), 'INVALID_PARAMETER', 'smartcard_set'],
      ['item not an object', pairingBody({ smartcard_set: ['abc'] }), 'INVALID_PARAMETER', 'smartcard_set'],
      ['CA ID not a string', pairingBody({ stb_set: [{ stb_ca_id: 12 }] }), 'INVALID_PARAMETER', 'stb_set[0].stb_ca_id'],
      ['empty smartcard_set', pairingBody({ smartcard_set: [] }), 'INVALID_PARAMETER', 'smartcard_set'],
      ['more items than MAX_SET_SIZE', pairingBody({ stb_set: [1, 2, 3, 4, 5, 6].map((n) => ({ stb_ca_id: `${n}` })) }), 'INVALID_PARAMETER', 'stb_set'],
      ['duplicate CA IDs', pairingBody({ stb_set: [{ stb_ca_id: '7' }, { stb_ca_id: '7' }] }), 'INVALID_PARAMETER', 'stb_set'],
      ['CA ID with whitespace (not trimmed)', pairingBody({ stb_set: [{ stb_ca_id: ' 7' }] }), 'INVALID_PARAMETER', 'stb_set[0]'],
      ['CA ID too long', pairingBody({ stb_set: [{ stb_ca_id: '1'.repeat(33) }] }), 'INVALID_PARAMETER', 'stb_set[0]'],
      ['empty CA ID', pairingBody({ stb_set: [{ stb_ca_id: '' }] }), 'INVALID_PARAMETER', 'stb_set[0]'],
      ['unknown priority', pairingBody({ priority: 'URGENT' }), 'INVALID_PARAMETER', 'priority'],
      ['process_immediately not boolean', pairingBody({ process_immediately: 'yes' }), 'INVALID_PARAMETER', 'process_immediately'],
      ['malformed scheduled_date', pairingBody({ scheduled_date: '01/02/2030' }), 'INVALID_PARAMETER', 'scheduled_date'],
      ['impossible scheduled_date', pairingBody({ scheduled_date: '2030-02-30T00:00:00' }), 'INVALID_PARAMETER', 'scheduled_date'],
      ['subscription_identifier with both keys', pairingBody({ subscription_identifier: { id: 'A', number: 'B' } }), 'INVALID_PARAMETER', 'subscription_identifier'],
      ['subscription_identifier with no key', pairingBody({ subscription_identifier: {} }), 'INVALID_PARAMETER', 'subscription_identifier'],
      ['subscription_identifier not an object', pairingBody({ subscription_identifier: 'A' }), 'INVALID_PARAMETER', 'subscription_identifier'],
      ['process_immediately with a future date', pairingBody({ process_immediately: true, scheduled_date: '2099-01-01T00:00:00' }), 'INVALID_PARAMETER', 'scheduled_date'],
    ])('refuses %s with %s and changes nothing', async (_, body, code, field) => {
      const before = (await list({ number_of_results: 1000 })).body.data.length;
      const response = await create(body as Record<string, unknown>);
      expect(response.status).toBe(400);
      expect(response.body.status.code).toBe(code);
      expect(response.body.status.message).toEqual(expect.any(String));
      expect(response.body.status.description).toContain(field);
      expect(response.body.data).toBeNull();
      expect((await list({ number_of_results: 1000 })).body.data.length).toBe(before);
    });
  });

  describe('show', () => {
    let created: any;
    beforeAll(async () => {
      created = (await create(pairingBody({ subscription_identifier: { id: 'SUB-ID' } }))).body.data;
    });

    it('reads a request back right after its creation, by id and by number (CRM.COM query form)', async () => {
      const byId = await show({ provisioning_request_identifier: `id=${created.id}` });
      const byNumber = await show({ provisioning_request_identifier: `number=${created.number}` });
      expect(byId.status).toBe(200);
      expect(byId.body.data).toEqual(created);
      expect(byNumber.body.data).toEqual(created);
    });

    it('returns only the fields of fields_set, in the order asked', async () => {
      const response = await show({ provisioning_request_identifier: `id=${created.id}`, fields_set: 'life_cycle_state,id, number' });
      expect(response.body.data).toEqual({ life_cycle_state: 'PENDING', id: created.id, number: created.number });
      expect(Object.keys(response.body.data)).toEqual(['life_cycle_state', 'id', 'number']);
    });

    it.each([
      [{ provisioning_request_identifier: 'number=999999' }, 404, 'NOT_FOUND'],
      [{ provisioning_request_identifier: 'id=00000000000000000000000000000000' }, 404, 'NOT_FOUND'],
      [{}, 400, 'MISSING_PARAMETER'],
      [{ provisioning_request_identifier: '4049' }, 400, 'INVALID_PARAMETER'],
      [{ provisioning_request_identifier: 'code=4049' }, 400, 'INVALID_PARAMETER'],
      [{ provisioning_request_identifier: 'number=1', fields_set: 'id,colour' }, 400, 'INVALID_PARAMETER'],
      [{ provisioning_request_identifier: 'number=1', extra: 'x' }, 400, 'INVALID_PARAMETER'],
    ])('answers %j with %i %s', async (query, status, code) => {
      const response = await show(query as Record<string, string>);
      expect(response.status).toBe(status);
      expect(response.body.status.code).toBe(code);
      expect(response.body.data).toBeNull();
    });

    it('refuses an identifier given twice', async () => {
      const response = await t.http.get(
        `${ROUTES.show}?token=${token}&provisioning_request_identifier=number=1&provisioning_request_identifier=id=A`,
      );
      expect(response.status).toBe(400);
      expect(response.body.status.code).toBe('INVALID_PARAMETER');
    });
  });

  describe('list', () => {
    it('lists newest number first, pages with number_of_results and offset', async () => {
      for (let i = 0; i < 4; i++) await create(pairingBody());
      const all = (await list({ number_of_results: 1000 })).body.data.map((r: any) => Number(r.number));
      expect(all.length).toBeGreaterThanOrEqual(4);
      expect([...all].sort((a, b) => b - a)).toEqual(all);
      const page = (await list({ number_of_results: 2, offset: 1 })).body.data.map((r: any) => Number(r.number));
      expect(page).toEqual(all.slice(1, 3));
    });

    it('filters by type, life_cycle_state and reference_number (ANDed) and honours fields_set', async () => {
      const pending = await list({ type: 'CREATE_PAIRING', life_cycle_state: 'PENDING', fields_set: 'number,life_cycle_state' });
      expect(pending.body.data.length).toBeGreaterThan(0);
      for (const item of pending.body.data) expect(Object.keys(item)).toEqual(['number', 'life_cycle_state']);
      expect((await list({ life_cycle_state: 'COMPLETED' })).body.data).toEqual([]);
      expect((await list({ type: 'DISPLAY_FINGERPRINT' })).body.data).toEqual([]);
      expect((await list({ reference_number: 'nothing-has-this' })).body.data).toEqual([]);
    });

    it('defaults to 50 results', async () => {
      for (let i = 0; i < 52; i++) await create(pairingBody());
      expect((await list()).body.data).toHaveLength(50);
    });

    it.each([
      [{ number_of_results: 0 }],
      [{ number_of_results: 1001 }],
      [{ number_of_results: 'ten' }],
      [{ offset: -1 }],
      [{ life_cycle_state: 'DONE' }],
      [{ type: 'PAIRING' }],
      [{ fields_set: 'nope' }],
    ])('refuses %j with INVALID_PARAMETER', async (query) => {
      const response = await list(query as Record<string, string>);
      expect(response.status).toBe(400);
      expect(response.body.status.code).toBe('INVALID_PARAMETER');
    });
  });

  describe('history', () => {
    it('returns every stored event with type, revision, timestamp, user and data', async () => {
      const created = (await create(pairingBody(), { 'X-Correlation-Id': 'corr-123' })).body.data;
      const response = await history({ provisioning_request_identifier: `number=${created.number}` });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual([
        expect.objectContaining({
          type: 'PairingRequested',
          revision: 0,
          schema_version: 2,
          correlation_id: 'corr-123',
          // The instant as recorded, with its zone (ISO-8601 UTC), like the instants in its data.
          timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          user: expect.objectContaining({ username: 'alice' }),
          data: expect.objectContaining({ request_id: created.id, number: created.number }),
        }),
      ]);
      expect(response.body.data[0]).not.toHaveProperty('parked_by');
      expect(response.body.data[0].data).not.toHaveProperty('fingerprint');
    });

    it('is NOT_FOUND for an unknown request', async () => {
      const response = await history({ provisioning_request_identifier: 'id=00000000000000000000000000000000' });
      expect(response.status).toBe(404);
      expect(response.body.status.code).toBe('NOT_FOUND');
    });
  });

  describe('Idempotency-Key', () => {
    it('turns 50 concurrent duplicates into one request and one answer', async () => {
      const before = (await list({ number_of_results: 1000 })).body.data.length;
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => create(pairingBody({ priority: 'EXPRESS' }), { 'Idempotency-Key': 'dup-50' })),
      );
      for (const response of responses) expect(response.status).toBe(200);
      const ids = new Set(responses.map((r) => r.body.data.id));
      const numbers = new Set(responses.map((r) => r.body.data.number));
      expect(ids.size).toBe(1);
      expect(numbers.size).toBe(1);
      expect((await list({ number_of_results: 1000 })).body.data.length).toBe(before + 1);
      const [id] = ids;
      expect((await history({ provisioning_request_identifier: `id=${id}` })).body.data).toHaveLength(1);
    });

    it('answers the same key with another body with 409 CONFLICT, changing nothing', async () => {
      const first = await create(pairingBody(), { 'Idempotency-Key': 'key-2' });
      const again = await create(pairingBody(), { 'Idempotency-Key': 'key-2' });
      const other = await create(pairingBody({ priority: 'EXPRESS' }), { 'Idempotency-Key': 'key-2' });
      expect(again.body.data).toEqual(first.body.data);
      expect(other.status).toBe(409);
      expect(other.body.status.code).toBe('CONFLICT');
      expect(other.body.data).toBeNull();
    });

    it('keeps keys apart per user', async () => {
      const bobToken = await t.login('bob');
      const alice = await create(pairingBody(), { 'Idempotency-Key': 'shared-key' });
      const bob = await t.http.post(ROUTES.create).set('Idempotency-Key', 'shared-key').send({ ...pairingBody(), token: bobToken });
      expect(bob.status).toBe(200);
      expect(bob.body.data.id).not.toBe(alice.body.data.id);
    });

    it('refuses a malformed key', async () => {
      for (const key of ['tab\there', 'x'.repeat(256)]) {
        const response = await create(pairingBody(), { 'Idempotency-Key': key });
        expect(response.status).toBe(400);
        expect(response.body.status.code).toBe('INVALID_PARAMETER');
      }
    });
  });

  describe('survives a restart', () => {
    it('reads requests (and idempotency keys) back after the app is closed and reopened on the same DATA_DIR', async () => {
      const created = (await create(pairingBody(), { 'Idempotency-Key': 'across-restart' })).body.data;
      await t.close();
      t = await startTestApp({ DATA_DIR: t.dataDir, SERVICE_TIME_ZONE: 'Europe/Nicosia', MAX_SET_SIZE: '5' });
      token = await t.login();
      expect((await show({ provisioning_request_identifier: `number=${created.number}` })).body.data).toEqual(created);
      const repeated = await create(pairingBody(), { 'Idempotency-Key': 'across-restart' });
      expect(repeated.body.data.id).toBe(created.id);
      const next = (await create(pairingBody())).body.data;
      expect(Number(next.number)).toBeGreaterThan(Number(created.number));
    });
  });
});
