import { randomUUID } from 'node:crypto';
import { EVENT_STORE, EventStore, NewEvent } from '../../src/application/ports/event-store.port';
import { READ_MODEL, ProvisioningRequestReadModel } from '../../src/application/ports/read-model.port';
import { ServiceConsumer } from '../../src/application/processing/service-consumer';
import { REQUEST_VIEW_PROJECTION } from '../../src/application/read-model/request-view.projection';
import { SYSTEM_USER } from '../../src/application/system-user';
import { PROVISIONING_REQUEST_STREAM_PREFIX, provisioningRequestStreamId } from '../../src/domain/provisioning-request';
import { eventually } from '../support/processing';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

jest.setTimeout(60_000);

const postgres = testSchema('inline_view');
const profiles: Array<[string, () => Record<string, string>]> = [
  ['SQLite, one file', () => ({})],
  ['PostgreSQL, one database', () => ({ EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: postgres.name })],
];

afterAll(() => postgres.drop());

const event = (type: string, data: unknown): NewEvent => ({
  eventId: randomUUID().replace(/-/g, '').toUpperCase(),
  type,
  data,
  metadata: { correlation_id: 'inline-view-test', causation_id: null, user: SYSTEM_USER, timestamp: new Date().toISOString(), schema_version: 1 },
});

const rejected = () =>
  event('RequestRejected', { error_code: 'X', error_description: 'x', rejected_at: new Date().toISOString(), rejected_by: 'SERVICE', response: null, executed_date: null });

/**
 * Where the events and the read model share a database, the request view is written in the append's own
 * transaction: a create answers from what it wrote, and show and list see it at once, whatever the
 * projection that follows the log is doing.
 */
describe.each(profiles)('the request view written with its events: %s', (_name, env) => {
  let t: TestApp;
  let token: string;
  let store: EventStore;
  let readModel: ProvisioningRequestReadModel;

  beforeAll(async () => {
    t = await startTestApp({ ...env(), RUN_CONNECTOR: 'false', PROCESSING_RUN_INTERVAL_MS: '3600000' });
    token = await t.login();
    store = t.app.get(EVENT_STORE);
    readModel = t.app.get(READ_MODEL);
  });
  afterAll(() => t?.close());

  it('is the profile that writes the view inline', () => {
    expect(store.writesViewInline).toBe(true);
  });

  it('shows and lists a new request at once while the projection that follows the log is held up by a poison event', async () => {
    const earlier = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
    // An event no code knows, appended straight to the store: the projection fails on it, retries, and
    // parks it only after seconds of pauses (RESTART_DELAY_MS).
    await store.appendToStream(provisioningRequestStreamId(earlier.id), [event('PairingTeleported', {})], 0n);
    const created = await t.http.post(ROUTES.create).send({ token, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) });
    expect(created.status).toBe(200);
    const shown = await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${created.body.data.id}` });
    const listed = await t.http.get(ROUTES.list).query({ token, number_of_results: 1 });
    const head = (await store.headPosition([PROVISIONING_REQUEST_STREAM_PREFIX]))!;
    const projection = t.app.get(ServiceConsumer).named(REQUEST_VIEW_PROJECTION)!;
    // Still behind the new request: what show and list answered came from the inline write alone.
    expect(projection.status().position ?? 0n).toBeLessThan(head);
    expect(shown.status).toBe(200);
    expect(shown.body.data).toEqual(created.body.data);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([created.body.data.id]);
    // And it does go on once it has parked the poison.
    await eventually(async () => projection.status().position ?? 0n, (position) => position >= head, 40_000);
  });

  it('writes neither events nor view for an append that loses its race', async () => {
    const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
    const stored = (await readModel.findById(created.id))!;
    const streamId = provisioningRequestStreamId(created.id);
    const changed = { ...stored, life_cycle_state: 'REJECTED' as const };
    await expect(store.appendToStream(streamId, [rejected()], 'no_stream', changed)).rejects.toThrow(/expected/i);
    expect(await store.readStream(streamId)).toHaveLength(1);
    expect(await readModel.findById(created.id)).toEqual(stored);
  });

  it('still appends the events when their view cannot be written, and says so', async () => {
    const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
    const stored = (await readModel.findById(created.id))!;
    const streamId = provisioningRequestStreamId(created.id);
    // No row can hold a view without a number (NOT NULL on both databases).
    const unwritable = { ...stored, number: null as unknown as string };
    const result = await store.appendToStream(streamId, [rejected()], 0n, unwritable);
    expect(result.viewWritten).toBe(false);
    expect(await store.readStream(streamId)).toHaveLength(2);
    // The projection that follows the log applies the event instead.
    const projected = await eventually(() => readModel.findById(created.id), (view) => view?.life_cycle_state === 'REJECTED', 40_000);
    expect(projected!.number).toBe(stored.number);
  });
});
