import { randomUUID } from 'node:crypto';
import { EVENT_STORE, EventStore } from '../../src/application/ports/event-store.port';
import { SYSTEM_USER } from '../../src/application/system-user';
import { ServiceConsumer } from '../../src/application/processing/service-consumer';
import { REQUEST_VIEW_PROJECTION } from '../../src/application/read-model/request-view.projection';
import { eventually } from '../support/processing';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

jest.setTimeout(90_000);

/**
 * A poison event (a reference_number longer than the read model's column) no longer wedges a subscriber:
 * after repeated failures the projection parks it and goes on, and the parking shows in the request's
 * history, in readiness and in a metric.
 */
describe('poison events are parked, not retried for ever (PostgreSQL)', () => {
  const schema = testSchema('poison');
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
    await schema.drop();
  });

  it('parks the event and keeps projecting what comes after', async () => {
    t = await startTestApp({
      EVENT_STORE: 'postgres',
      READ_MODEL: 'postgres',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema.name,
      RUN_CONNECTOR: 'false',
      PROCESSING_RUN_INTERVAL_MS: '3600000',
    });
    const token = await t.login();
    const poisoned = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
    const store = t.app.get<EventStore>(EVENT_STORE);
    const meta = (type: string) => ({ eventId: randomUUID().replace(/-/g, '').toUpperCase(), type, metadata: { correlation_id: 'poison', causation_id: null, user: SYSTEM_USER, timestamp: new Date().toISOString(), schema_version: 1 } });
    const now = new Date().toISOString();
    await store.appendToStream(
      `provisioning_request-${poisoned.id}`,
      [
        { ...meta('PairingDispatched'), data: { sequence_number: '1', process_id: null, request: '<x/>', dispatched_at: now, attempt: 1 } },
        { ...meta('PairingProcessed'), data: { response: 'OK', reference_number: 'R'.repeat(300), executed_date: now } },
      ],
      0n,
    );
    const after = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
    // The create after it answers at once (its view is written with its events), and the projection that
    // follows the log parks the poison and goes on past it.
    const listed = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${after.id}` })).status;
    expect(listed).toBe(200);
    const ops = await t.login('olivia');
    const parked = await eventually(
      async () => (await t.http.get(ROUTES.parked).query({ token: ops })).body.data.events as Array<{ subscriber: string; stream_id: string; type: string }>,
      (events) => events.some((e) => e.stream_id === `provisioning_request-${poisoned.id}`),
      60_000,
    );
    expect(parked.filter((e) => e.stream_id === `provisioning_request-${poisoned.id}`)).toEqual([expect.objectContaining({ subscriber: 'request_view', type: 'PairingProcessed' })]);
    const head = (await store.headPosition(['provisioning_request-']))!;
    const projection = t.app.get(ServiceConsumer).named(REQUEST_VIEW_PROJECTION)!;
    await eventually(async () => projection.status().position, (position) => position !== null && position >= head, 30_000);
    const ready = await t.http.get('/health/ready');
    expect(JSON.stringify(ready.body)).toContain('1 parked');
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/conax_subscriber_parked_events\{subscriber="request_view"\} 1/);
  });
});
