import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CATALOGUE_SERVICE_SCHEMA } from '../../src/application/catalogue/catalogue-entries';
import { dlqTopicOf } from '../../src/application/ports/message-bus.port';
import { EVENT_STORE, EventStore } from '../../src/application/ports/event-store.port';
import { SYSTEM_USER } from '../../src/application/system-user';
import { busOf, eventually } from '../support/processing';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

jest.setTimeout(60_000);

const SERVICES_TOPIC = 'conax.catalogue.services.v1';

/**
 * SPEC §2: the operations role reaches what spans organisations — status, charts, parked work, re-drive and
 * discard, each recorded — and nobody else does (403). The embedded default, with the in-process bus.
 */
describe('operations routes and parked work', () => {
  let t: TestApp;
  let ops: string;
  let alice: string;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000' });
    ops = await t.login('olivia');
    alice = await t.login('alice');
  });
  afterAll(() => t.close());

  const parked = async () => (await t.http.get(ROUTES.parked).query({ token: ops })).body.data;

  it('answers 403 FORBIDDEN to a user without the operations role, on every operations route', async () => {
    for (const route of [ROUTES.operationsStatus, ROUTES.operationsCharts, ROUTES.parked, ROUTES.actions]) {
      const response = await t.http.get(route).query({ token: alice });
      expect({ route, status: response.status, code: response.body.status.code, data: response.body.data }).toEqual({ route, status: 403, code: 'FORBIDDEN', data: null });
    }
    for (const route of [ROUTES.redrive, ROUTES.discard]) {
      const response = await t.http.post(route).send({ token: alice, kind: 'message', id: 'x' });
      expect(response.status).toBe(403);
    }
    expect((await t.http.get(ROUTES.parked)).status).toBe(401);
  });

  it('shows subscribers with position and lag, the processing run, the bus and the catalogue', async () => {
    await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody() });
    const status = (await t.http.get(ROUTES.operationsStatus).query({ token: ops })).body.data;
    expect(status.subscribers.map((s: { name: string }) => s.name)).toEqual(['request_view', 'dispatch_saga', 'integration_events', 'batch_index']);
    expect(status.subscribers[0]).toMatchObject({ active: true, position: expect.any(String), lag: expect.any(Number) });
    expect(status.processing_run).toMatchObject({ interval_ms: 3600000, scheduled: true });
    expect(status.bus.reachable).toBe(true);
    expect(status.consumers).toEqual(
      expect.arrayContaining([
        { topic: 'conax.provisioning-requests.outcomes.v1', group_id: 'conax.provisioning-requests.outcomes.v1.recorder', joined: true, handled: expect.any(Number), dead_lettered: 0, lag: expect.any(Number) },
        expect.objectContaining({ topic: 'conax.provisioning-requests.dispatch.v1.dlq', group_id: 'conax.provisioning-requests.dispatch.v1.dlq.operations' }),
      ]),
    );
    expect(status.catalogue).toEqual({ services: 0, smartcards: 0 });
    const charts = (await t.http.get(ROUTES.operationsCharts).query({ token: ops, hours: 2 })).body.data;
    expect(charts).toHaveLength(2);
    expect(charts[1].created.PENDING + charts[1].created.COMPLETED + charts[1].created.REJECTED).toBeGreaterThan(0);
  });

  it('collects a dead letter, re-drives it to its source topic where it now succeeds, and records who did it', async () => {
    const service = { id: `SRV-${randomUUID().slice(0, 6)}`, code: 'REDRIVEN', service_ca_id: '900' };
    // As the bus parks a message whose handler kept failing (say, the database was down then).
    await busOf(t.app).publish(dlqTopicOf(SERVICES_TOPIC), [
      {
        key: service.id,
        value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service }),
        headers: { 'dlq-reason': 'database unavailable', 'dlq-source-topic': SERVICES_TOPIC, 'dlq-id': 'DL-1', 'dlq-parked-at': new Date().toISOString() },
      },
    ]);
    const listed = await eventually(parked, (data) => data.messages.some((m: { id: string }) => m.id === 'DL-1'));
    expect(listed.messages.find((m: { id: string }) => m.id === 'DL-1')).toMatchObject({ source_topic: SERVICES_TOPIC, key: service.id, reason: 'database unavailable', headers: {} });
    const redriven = await t.http.post(ROUTES.redrive).send({ token: ops, kind: 'message', id: 'DL-1' });
    expect(redriven.body.status.code).toBe('OK');
    expect((await parked()).messages.some((m: { id: string }) => m.id === 'DL-1')).toBe(false);
    await eventually(async () => (await t.http.get(ROUTES.operationsStatus).query({ token: ops })).body.data.catalogue.services, (n) => n === 1);
    const [action] = (await t.http.get(ROUTES.actions).query({ token: ops })).body.data;
    expect(action).toMatchObject({ type: 'ParkedWorkRedriven', user: { username: 'olivia' }, data: { kind: 'message', target: { id: 'DL-1', source_topic: SERVICES_TOPIC }, reason: 'database unavailable', organisation: 'ACME' } });
    expect((await t.http.post(ROUTES.redrive).send({ token: ops, kind: 'message', id: 'DL-1' })).status).toBe(404);
  });

  it('parks an event the projection cannot read; a re-drive that fails again keeps it parked; a discard lets it go', async () => {
    const created = (await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody({ scheduled_date: '2099-01-01T00:00:00' }) })).body.data;
    const store = t.app.get<EventStore>(EVENT_STORE);
    const meta = { correlation_id: 'test', causation_id: null, user: SYSTEM_USER, timestamp: new Date().toISOString(), schema_version: 1 };
    await store.appendToStream(`provisioning_request-${created.id}`, [{ eventId: randomUUID().replace(/-/g, ''), type: 'PairingTeleported', data: {}, metadata: meta }], 0n);
    const data = await eventually(parked, (d) => d.events.some((e: { subscriber: string }) => e.subscriber === 'request_view'), 40_000);
    const event = data.events.find((e: { subscriber: string }) => e.subscriber === 'request_view');
    expect(event).toMatchObject({ type: 'PairingTeleported', stream_id: `provisioning_request-${created.id}`, reason: expect.stringContaining('Unknown event type') });
    const again = await t.http.post(ROUTES.redrive).send({ token: ops, kind: 'event', subscriber: 'request_view', position: event.position });
    expect(again.status).toBe(409);
    expect(again.body.status.code).toBe('CONFLICT');
    expect((await parked()).events.some((e: { position: string; subscriber: string }) => e.position === event.position && e.subscriber === 'request_view')).toBe(true);
    const discarded = await t.http.post(ROUTES.discard).send({ token: ops, kind: 'event', subscriber: 'request_view', position: event.position });
    expect(discarded.body.status.code).toBe('OK');
    expect((await parked()).events.some((e: { position: string; subscriber: string }) => e.position === event.position && e.subscriber === 'request_view')).toBe(false);
    const [action] = (await t.http.get(ROUTES.actions).query({ token: ops })).body.data;
    expect(action).toMatchObject({ type: 'ParkedWorkDiscarded', data: { kind: 'event', target: { subscriber: 'request_view', position: event.position } } });
  });

  it('answers the fields of a bad re-drive request', async () => {
    const missing = await t.http.post(ROUTES.redrive).send({ token: ops, kind: 'event', subscriber: 'request_view' });
    expect([missing.status, missing.body.status.code]).toEqual([400, 'MISSING_PARAMETER']);
    expect(missing.body.status.description).toContain('position');
    const bad = await t.http.post(ROUTES.redrive).send({ token: ops, kind: 'teleport' });
    expect([bad.status, bad.body.status.code]).toEqual([400, 'INVALID_PARAMETER']);
  });
});

describe('npm run parked (the command line, through the operations routes)', () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000' });
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
  });
  afterAll(() => t.close());

  // Asynchronous: the service answering the command runs in this very process.
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'parked.js'), ...args], { env: { ...process.env, SERVICE_URL: url, ...env } }, (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  it('lists, re-drives and discards dead letters as an operations user, and is refused without the role', async () => {
    const headers = (id: string) => ({ 'dlq-reason': 'broken', 'dlq-source-topic': SERVICES_TOPIC, 'dlq-id': id, 'dlq-parked-at': new Date().toISOString() });
    const value = JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'delete', id: 'SRV-NONE' });
    await busOf(t.app).publish(dlqTopicOf(SERVICES_TOPIC), [
      { key: 'SRV-NONE', value, headers: headers('CLI-1') },
      { key: 'SRV-NONE', value, headers: headers('CLI-2') },
    ]);
    const ops = { SERVICE_USERNAME: 'olivia', SERVICE_PASSWORD: 'on-call', SERVICE_ORGANISATION: 'ACME' };
    const listed = await eventually(() => run(['list'], ops), (r) => r.stdout.includes('CLI-2'));
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain('Dead letters: 2');
    expect(await run(['redrive', 'message', 'CLI-1'], ops)).toMatchObject({ status: 0 });
    expect(await run(['discard', 'message', 'CLI-2'], ops)).toMatchObject({ status: 0 });
    expect((await run(['list'], ops)).stdout).toContain('Dead letters: 0');
    const refused = await run(['list'], { SERVICE_USERNAME: 'alice', SERVICE_PASSWORD: 'wonderland', SERVICE_ORGANISATION: 'ACME' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('FORBIDDEN');
    expect((await run(['redrive', 'message'], ops)).status).toBe(2);
    const actions = (await t.http.get(ROUTES.actions).query({ token: await t.login('olivia') })).body.data;
    expect(actions.map((a: { type: string; data: { target: { id: string } } }) => [a.type, a.data.target.id])).toEqual([
      ['ParkedWorkDiscarded', 'CLI-2'],
      ['ParkedWorkRedriven', 'CLI-1'],
    ]);
  });
});
