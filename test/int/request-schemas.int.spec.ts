import fc from 'fast-check';
import { CATALOGUE, Catalogue } from '../../src/application/ports/catalogue.port';
import { ROUTES, TestApp, startTestApp } from '../support/test-app';
import { BASE } from '../support/test-app';
import { caId, common, date, identifier, maybe, messageText, mostly, oneSmartcard, pin, set, wholeNumber } from '../support/body-arbitraries';

const route = (name: string) => `${BASE}/conax_web_services/provisioning_requests/${name}`;

/** A catalogue identifier as the service would find it (SN-1) or as neither would (refused by the document). */
const namesSomething = (id: unknown) => {
  if (typeof id !== 'object' || id === null) return false;
  const values = Object.values(id);
  return values.length === 1 && typeof values[0] === 'string' && /^[A-Z0-9-]{1,12}$/.test(values[0]);
};
const known = (key: string, value: string, keys: string[]) => mostly(fc.constant({ [key]: value }), identifier(keys).filter((id) => !namesSomething(id)));

jest.setTimeout(120_000);

/**
 * The request schemas in /docs-json say what the service enforces: for generated bodies, valid and not,
 * the document accepts a body exactly when the service does (200) and refuses it exactly when the service
 * answers 400. What JSON Schema cannot say (a day that does not exist, process_immediately with a future
 * date, a catalogue look-up) is left out of the generators and written in docs/api.md.
 */
describe('the request schemas in /docs-json agree with the service, body by body', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', RUN_CONNECTOR: 'false', MAX_SET_SIZE: '5', RATE_LIMIT_PER_MINUTE: '100000' });
    token = await t.login();
    const catalogue = t.app.get<Catalogue>(CATALOGUE);
    await catalogue.upsertServices([{ id: 'SRV-1', code: 'GOLD', alternative_code: 'G', service_ca_id: '577' }]);
    await catalogue.upsertSmartcards([{ id: 'SC-1', serial_number: 'SN-1', alternative_code: 'S', smartcard_ca_id: '0190008029999', sub_provisioning_distribution_id: null }]);
  });
  afterAll(() => t?.close());
  let answered: Record<number, number> = {};
  beforeEach(() => {
    answered = {};
  });
  // Both verdicts must be well represented, or the agreement says little.
  afterEach(() => {
    expect(answered[200]).toBeGreaterThan(30);
    expect(answered[400]).toBeGreaterThan(30);
  });

  const agree = async (route: string, generated: Record<string, unknown>) => {
    const body = JSON.parse(JSON.stringify(generated)); // as the service receives it
    const documented = t.conformance.acceptsBody('post', route, body);
    const answer = await t.http.post(route).send(body);
    answered[answer.status] = (answered[answer.status] ?? 0) + 1;
    if (answer.status !== (documented ? 200 : 400)) {
      throw new Error(`document ${documented ? 'accepts' : 'refuses'}, service answered ${answer.status} ${JSON.stringify(answer.body.status)} for ${JSON.stringify(body)}`);
    }
  };

  it('create_pairing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ ...common, smartcard_set: mostly(set('smartcard_ca_id'), fc.constant(undefined), fc.constant(null)), stb_set: mostly(set('stb_ca_id'), fc.constant(undefined)), subscription_identifier: maybe(identifier(['id', 'number'])) }), (body) =>
        agree(ROUTES.create, { token, ...body }),
      ),
      { numRuns: 300 },
    );
  });

  it('add_subscriptions', async () => {
    // Identifiers that pass the document name the catalogue's entries, so that the catalogue look-up (which
    // JSON Schema cannot say) does not refuse them.
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ...common,
          subscription_identifier: maybe(identifier(['id', 'number'])),
          service_identifier: maybe(known('code', 'GOLD', ['code', 'alternative_code'])),
          smartcard_identifier: maybe(known('serial_number', 'SN-1', ['serial_number', 'alternative_code'])),
          start_date: maybe(fc.constantFrom('2026-12-01', '2026-12-01T00:00:00', 'soon', '2026/12/01')),
        }),
        (body) => agree(ROUTES.addSubscriptions, { token, ...body }),
      ),
      { numRuns: 300 },
    );
  });

  it('the routes that name one card, and the pairing module', async () => {
    const card = oneSmartcard(known('serial_number', 'SN-1', ['serial_number', 'alternative_code']));
    const base = { ...common, subscription_identifier: maybe(identifier(['id', 'number'])) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant('get_pairing_status_for_card'), fc.record(base), card),
          fc.tuple(fc.constant('update_ca_pin_to_given_value'), fc.record({ ...base, pin: mostly(pin, fc.constant(undefined)) }), card),
          fc.tuple(fc.constant('add_to_existing_pairing'), fc.record({ ...base, stb_set: mostly(set('stb_ca_id'), fc.constant(undefined)) }), card),
          fc.tuple(fc.constant('get_pairing_status_for_pairing_module'), fc.record({ ...base, stb_ca_id: mostly(caId, fc.constant(undefined)) }), fc.constant({})),
        ),
        ([name, body, named]) => agree(route(name), { token, ...body, ...named }),
      ),
      { numRuns: 300 },
    );
  });

  it('the fingerprint and message routes', async () => {
    const cards = { ...common, smartcard_set: mostly(set('smartcard_ca_id'), fc.constant(undefined)), start_date: maybe(date) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant('display_fingerprint'), fc.record({ ...cards, duration_seconds: maybe(wholeNumber(1, 3600)) })),
          fc.tuple(fc.constant('send_mail_message_to_client'), fc.record({ ...cards, text: mostly(messageText(141), fc.constant(undefined)) })),
          fc.tuple(
            fc.constant('send_repeating_bark_message_to_client'),
            fc.record({ ...cards, text: messageText(129), duration_seconds: maybe(wholeNumber(1, 255)), repetitions: wholeNumber(1, 255), interval_seconds: wholeNumber(10, 2550, 10) }),
          ),
        ),
        ([name, body]) => agree(route(name), { token, ...body }),
      ),
      { numRuns: 300 },
    );
  });
});
