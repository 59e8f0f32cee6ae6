import { BASE, ROUTES, TestApp, startTestApp } from '../support/test-app';
import { runOnce, waitForFinal } from '../support/processing';

const route = (name: string) => `${BASE}/conax_web_services/provisioning_requests/${name}`;

/**
 * The rules of SPEC §8's routes that the every-type walk does not reach: a message text Conax's charset cannot
 * carry is refused at creation (never a rejection later), the repeating interval's steps, the PIN's shape,
 * exactly one way of naming the card, Conax's NOT_PAIRED fault, and a query's answer in the create's own
 * response with process_immediately. Nothing refused is stored.
 */
describe('the SPEC §8 routes: their own rules (embedded default, Conax in ISO-8859-1)', () => {
  let t: TestApp;
  let token: string;
  const count = async () => (await t.http.get(ROUTES.list).query({ token, number_of_results: 100 })).body.data.length as number;
  const post = (name: string, body: Record<string, unknown>) => t.http.post(route(name)).send({ token, ...body });
  const refused = async (name: string, body: Record<string, unknown>, field: string, code = 'INVALID_PARAMETER') => {
    const response = await post(name, body);
    expect({ name, field, status: response.status, code: response.body.status?.code, data: response.body.data }).toEqual({ name, field, status: 400, code, data: null });
    expect(response.body.status.description).toContain(field);
  };
  const card = (n: number) => ({ smartcard_set: [{ smartcard_ca_id: String(7_000_000 + n) }] });

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', CONAX_ENCODING: 'ISO-8859-1' });
    token = await t.login();
  });
  afterAll(() => t.close());

  it('refuses what the rules refuse, and stores none of it', async () => {
    const before = await count();
    // Charset: € is not in ISO-8859-1; é is.
    await refused('send_bark_message_to_client', { ...card(1), text: 'Pay € 5' }, 'text');
    // Hidden characters: control, format (zero-width space, bidi override), noncharacter.
    for (const text of ['a\u0007b', 'a\u200bb', '\u202eabc', 'a\ufffeb']) await refused('send_mail_message_to_client', { ...card(2), text }, 'text');
    await refused('send_mail_message_to_client', { ...card(3), text: 'x'.repeat(142) }, 'text');
    await refused('send_bark_message_to_client', { ...card(4), text: 'x'.repeat(130) }, 'text');
    await refused('send_repeating_bark_message_to_client', { ...card(5), text: 'hi', repetitions: 2, interval_seconds: 25 }, 'interval_seconds');
    await refused('send_repeating_bark_message_to_client', { ...card(5), text: 'hi', repetitions: 2, interval_seconds: 2560 }, 'interval_seconds');
    await refused('send_repeating_bark_message_to_client', { ...card(5), text: 'hi', interval_seconds: 20 }, 'repetitions', 'MISSING_PARAMETER');
    await refused('send_bark_message_to_client', { ...card(6), text: 'hi', duration_seconds: 256 }, 'duration_seconds');
    await refused('display_fingerprint', { ...card(7), duration_seconds: 3601 }, 'duration_seconds');
    await refused('display_fingerprint', { ...card(7), start_date: '2026-02-30T10:00:00' }, 'start_date');
    for (const pin of ['123', '12345', '12a4', 1234]) await refused('update_ca_pin_to_given_value', { smartcard_ca_id: '7000008', pin }, 'pin');
    await refused('get_pairing_status_for_card', {}, 'smartcard');
    await refused('get_pairing_status_for_card', { smartcard_ca_id: '7000009', smartcard_identifier: { id: 'SC-1' } }, 'smartcard');
    await refused('get_active_subscriptions', { smartcard_identifier: { serial_number: 'NOWHERE' } }, 'smartcard_identifier');
    await refused('add_to_existing_pairing', { smartcard_ca_id: '7000010', stb_set: [] }, 'stb_set');
    await refused('get_pairing_status_for_pairing_module', { stb_ca_id: 'has space' }, 'stb_ca_id');
    expect(await count()).toBe(before);
  });

  it('takes a text the charset can carry, as given', async () => {
    const created = await post('send_bark_message_to_client', { ...card(11), text: 'Café: réglez votre facture' });
    expect(created.status).toBe(200);
    expect(created.body.data.parameters_set).toEqual(
      expect.arrayContaining([{ id: expect.any(String), text: 'Café: réglez votre facture' }, { id: expect.any(String), duration_seconds: 20 }]),
    );
    await runOnce(t.app);
    expect((await waitForFinal(t, token, created.body.data.id)).life_cycle_state).toBe('COMPLETED');
  });

  it('a retry with the same Idempotency-Key and another PIN answers the first request (the PIN is not in the fingerprint)', async () => {
    const set = (pin: string) => t.http.post(route('update_ca_pin_to_given_value')).set('Idempotency-Key', 'pin-retry-1').send({ token, smartcard_ca_id: '7000015', pin });
    const first = await set('1357');
    const retry = await set('2468');
    expect({ first: first.status, retry: retry.status }).toEqual({ first: 200, retry: 200 });
    expect(retry.body.data.id).toBe(first.body.data.id);
  });

  it('adding to a pairing the card does not have is rejected by Conax (NOT_PAIRED)', async () => {
    const created = await post('add_to_existing_pairing', { smartcard_ca_id: '7000012', stb_set: [{ stb_ca_id: '8000012' }] });
    expect(created.status).toBe(200);
    await runOnce(t.app);
    const final = await waitForFinal(t, token, created.body.data.id);
    expect({ state: final.life_cycle_state, code: final.error_code }).toEqual({ state: 'REJECTED', code: 'NOT_PAIRED' });
  });

  it('with process_immediately, a query answers its result in the create response itself', async () => {
    const paired = await t.http.post(ROUTES.create).send({ token, process_immediately: true, smartcard_set: [{ smartcard_ca_id: '7000013' }], stb_set: [{ stb_ca_id: '8000013' }] });
    expect(paired.body.data.life_cycle_state).toBe('COMPLETED');
    const asked = await post('get_pairing_status_for_pairing_module', { stb_ca_id: '8000013', process_immediately: true });
    expect({ state: asked.body.data.life_cycle_state, result: asked.body.data.result }).toEqual({ state: 'COMPLETED', result: { cards: ['7000013'] } });
    const card13 = await post('get_pairing_status_for_card', { smartcard_ca_id: '7000013', process_immediately: true });
    expect(card13.body.data.result).toEqual({ status: 'PAIRED', stbs: ['8000013'] });
    const unpaired = await post('get_pairing_status_for_card', { smartcard_ca_id: '7000014', process_immediately: true });
    expect(unpaired.body.data.result).toEqual({ status: 'NOT_PAIRED', stbs: [] });
  });
});
