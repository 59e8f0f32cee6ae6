import fc from 'fast-check';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';

/**
 * SPEC §1 input rules on both storage profiles: hostile strings are 400 with the envelope, never a 500 and
 * never stored (PostgreSQL refuses NUL and lone surrogates: they must not reach it), and an error's
 * description stays under 4 KiB whatever the input.
 */
const HOSTILE = {
  nul: '\u0000',
  loneSurrogate: 'A\ud800B',
  nonCharacter: '12\ufffe',
  bidiOverride: '\u202e123',
  zeroWidthSpace: '12\u200b34',
  control: 'a\u0007b',
};

const profiles: Array<[string, () => Record<string, string>]> = [
  ['sqlite', () => ({})],
  [
    'postgres',
    () => ({ EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema.name }),
  ],
];
const schema = testSchema('hygiene');

/** Strings no rule lets through, and some that rules must tell apart from them. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...Object.values(HOSTILE), '', ' ', '__proto__', 'constructor', '9'.repeat(70)),
);

/** A refusal as SPEC §1 wants it: a 4xx envelope with a code, no data, a small answer. Answers whether it was accepted instead. */
function acceptedOrRefusedWell(response: { status: number; body: any; text: string }): boolean {
  if (response.status === 200) return true; // a generated body can happen to be valid
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.body.data).toBeNull();
  expect(typeof response.body.status.code).toBe('string');
  expect(Buffer.byteLength(response.text)).toBeLessThanOrEqual(8192);
  return false;
}
afterAll(() => schema.drop());

describe.each(profiles)('input hygiene on %s', (_, env) => {
  let t: TestApp;
  let token: string;
  const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.http.post(ROUTES.create).set(headers).send({ token, ...body });
  const expect400 = (response: { status: number; body: any; text: string }) => {
    expect(response.status).toBe(400);
    expect(['INVALID_PARAMETER', 'MISSING_PARAMETER']).toContain(response.body.status.code);
    expect(response.body.data).toBeNull();
    expect(Buffer.byteLength(response.body.status.description ?? '')).toBeLessThanOrEqual(4096);
  };

  beforeAll(async () => {
    t = await startTestApp({ ...env(), PROCESSING_RUN_INTERVAL_MS: '3600000' });
    token = await t.login();
  });
  afterAll(() => t.close());

  it.each(Object.entries(HOSTILE))('refuses %s in a CA ID, an identifier value and a filter', async (_, value) => {
    expect400(await create(pairingBody({ smartcard_set: [{ smartcard_ca_id: value }] })));
    expect400(await create(pairingBody({ stb_set: [{ stb_ca_id: value }] })));
    expect400(await create(pairingBody({ subscription_identifier: { id: value } })));
    expect400(await create(pairingBody({ subscription_identifier: { number: value } })));
    // A URL cannot carry a lone surrogate (percent-decoding makes it U+FFFD): bodies only for that one.
    if (value === HOSTILE.loneSurrogate) return;
    for (const identifier of [`number=${value}`, `id=${value}`]) {
      expect400(await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: identifier }));
      expect400(await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: identifier }));
    }
    expect400(await t.http.get(ROUTES.list).query({ token, reference_number: value }));
  });

  it('refuses CA IDs with spaces or beyond printable ASCII, and keeps the ones within', async () => {
    for (const value of ['12 34', 'é123', '１２３', 'x'.repeat(33)]) {
      expect400(await create(pairingBody({ smartcard_set: [{ smartcard_ca_id: value }] })));
    }
    const edge = await create(pairingBody({ smartcard_set: [{ smartcard_ca_id: '!~' + 'x'.repeat(30) }] }));
    expect(edge.status).toBe(200);
  });

  it('refuses a format character (soft hyphen, U+00AD) in the Idempotency-Key', async () => {
    expect400(await create(pairingBody(), { 'Idempotency-Key': 'key\u00ad' }));
  });

  it('answers 120,000 junk set items with a short description, before validating any item', async () => {
    const junk = Array.from({ length: 120_000 }, () => 1); // a 240 KB body, under the 256 KiB cap
    const started = Date.now();
    const response = await create({ smartcard_set: junk, stb_set: [{ stb_ca_id: '1' }] });
    expect400(response);
    expect(response.body.status.description).toMatch(/smartcard_set: must hold at most 100 items/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('caps a description of many problems at 4 KiB with the first problems, then "and N more"', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ smartcard_ca_id: i, extra: 'x'.repeat(100) }));
    const response = await create({ smartcard_set: items, stb_set: [{ stb_ca_id: '1' }] });
    expect400(response);
    expect(response.body.status.description).toMatch(/^smartcard_set\[0\]/);
    expect(response.body.status.description).toMatch(/and \d+ more$/);
  });

  it.each([
    ['smartcard_set', (deep: string) => `"smartcard_set":${deep}`],
    ['subscription_identifier', (deep: string) => `"subscription_identifier":{"id":${deep}}`],
    ['an unknown member', (deep: string) => `"extra":${deep},"smartcard_set":[{"smartcard_ca_id":"123"}]`],
  ])('refuses a body nested 5,000 levels deep in %s with 400 and stores nothing', async (_, member) => {
    // Written as text: the test's own JSON.stringify would walk it recursively too.
    const deep = '[{"a":'.repeat(2500) + '1' + '}]'.repeat(2500);
    const before = (await t.http.get(ROUTES.list).query({ token, number_of_results: 100 })).body.data.length;
    const response = await t.http.post(ROUTES.create).set('Content-Type', 'application/json').send(`{"token":${JSON.stringify(token)},${member(deep)}}`);
    expect400(response);
    expect(response.body.status.description).toContain('levels of arrays and objects');
    expect((await t.http.get(ROUTES.list).query({ token, number_of_results: 100 })).body.data.length).toBe(before);
  });

  it('property: generated hostile bodies get a 4xx envelope, never a 5xx, and a small answer', async () => {
    const flat = fc.oneof(hostileString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }));
    // Nesting of any depth up to far past the limit, arrays and objects mixed, around any hostile value.
    const nested = fc.tuple(flat, fc.array(fc.boolean(), { minLength: 1, maxLength: 3000 })).map(([leaf, shape]) =>
      shape.reduce<unknown>((inner, asArray) => (asArray ? [inner] : { k: inner }), leaf),
    );
    const anything = fc.oneof({ weight: 4, arbitrary: flat }, { weight: 1, arbitrary: nested });
    const item = (key: string) =>
      fc.oneof(fc.record({ [key]: anything }), fc.dictionary(hostileString, anything, { maxKeys: 3 }), anything);
    const body = fc.record(
      {
        subscription_identifier: fc.oneof(fc.record({ id: anything }, { requiredKeys: [] }), fc.record({ number: anything }), anything),
        process_immediately: anything,
        scheduled_date: anything,
        priority: anything,
        smartcard_set: fc.oneof(fc.array(item('smartcard_ca_id'), { maxLength: 5 }), anything),
        stb_set: fc.oneof(fc.array(item('stb_ca_id'), { maxLength: 5 }), anything),
        [`x${Math.random().toString(36).slice(2, 6)}`]: anything,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, hostileString, async (generated, identifier) => {
        const created = await create(generated);
        const shown = await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `number=${identifier}` });
        for (const response of [created, shown]) acceptedOrRefusedWell(response);
      }),
      { numRuns: 150 },
    );
  });

  // SPEC §8's routes: the same hostile values in every member any of them reads.
  it.each(['add_to_existing_pairing', 'get_pairing_status_for_card', 'get_pairing_status_for_pairing_module', 'get_active_subscriptions', 'display_fingerprint', 'update_ca_pin_to_default_value', 'update_ca_pin_to_given_value', 'send_mail_message_to_client', 'send_bark_message_to_client', 'send_repeating_bark_message_to_client'])(
    'property: hostile bodies on %s get a 4xx envelope, never a 5xx, and store nothing',
    async (name) => {
      const anything = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }), fc.dictionary(hostileString, hostileString, { maxKeys: 2 }));
      const cards = (key: string) => fc.oneof(fc.array(fc.oneof(fc.record({ [key]: hostileString }), anything), { maxLength: 4 }), anything);
      const body = fc.record(
        {
          smartcard_ca_id: hostileString,
          smartcard_identifier: fc.oneof(fc.record({ serial_number: hostileString }), anything),
          stb_ca_id: hostileString,
          smartcard_set: cards('smartcard_ca_id'),
          stb_set: cards('stb_ca_id'),
          pin: anything,
          text: hostileString,
          start_date: anything,
          duration_seconds: anything,
          repetitions: anything,
          interval_seconds: anything,
          scheduled_date: anything,
        },
        { requiredKeys: [] },
      );
      const route = `/crmapi/rest/v2/conax_web_services/provisioning_requests/${name}`;
      const stored = async () => (await t.http.get(ROUTES.list).query({ token, number_of_results: 100 })).body.data.length as number;
      const before = await stored();
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(body, async (generated) => {
          if (acceptedOrRefusedWell(await t.http.post(route).send({ token, ...generated }))) accepted += 1;
        }),
        { numRuns: 60 },
      );
      expect(await stored()).toBe(Math.min(100, before + accepted));
    },
  );
});
