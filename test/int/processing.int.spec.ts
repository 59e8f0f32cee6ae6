import { InMemoryBus } from '../../src/infrastructure/bus/in-memory-bus';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { BusMessage } from '../../src/application/ports/message-bus.port';
import { EVENT_STORE, EventStore } from '../../src/application/ports/event-store.port';
import { PROCESSING_RUN_STREAM } from '../../src/application/processing/processing-run';
import { busOf, eventually, recordTopic, runOnce, simulatorOf, successfulPairingCalls, waitForFinal } from '../support/processing';

const TOPICS = {
  dispatch: 'conax.provisioning-requests.dispatch.v1',
  outcomes: 'conax.provisioning-requests.outcomes.v1',
  events: 'conax.provisioning-requests.events.v1',
};
const HEX32 = /^[0-9A-F]{32}$/;
const readRunEvents = (t: TestApp) => t.app.get<EventStore>(EVENT_STORE).readStream(PROCESSING_RUN_STREAM);
let recordedTopics: Record<string, BusMessage[]> = {};
const messagesOf = (topic: string) => recordedTopics[topic] ?? [];

describe('processing through the in-process bus, connector and simulator', () => {
  let t: TestApp;
  let token: string;
  const create = async (body: Record<string, unknown>) => (await t.http.post(ROUTES.create).send({ token, ...body })).body.data;
  const history = async (id: string) =>
    (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${id}` })).body.data;

  const recorded: Record<string, BusMessage[]> = {};
  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000' }); // runs are triggered by the tests
    token = await t.login();
    for (const topic of [TOPICS.dispatch, TOPICS.outcomes, `${TOPICS.outcomes}.dlq`, TOPICS.events]) recorded[topic] = await recordTopic(t.app, topic);
    recordedTopics = recorded;
  });
  afterAll(() => t.close());

  it('completes a good pairing in a processing run with every outcome field', async () => {
    const created = await create(pairingBody());
    expect(created.life_cycle_state).toBe('PENDING');
    await runOnce(t.app);
    const done = await waitForFinal(t, token, created.id);
    expect(done).toMatchObject({ life_cycle_state: 'COMPLETED', error_code: null, process_name: 'MANUAL' });
    expect(done.reference_number).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.request).toContain('<CaId>01900080207</CaId>');
    expect(done.response).toContain(`OK ${done.reference_number}`);
    // The reply's SOAP Body content, like `request` the operation alone (the envelope carries the session).
    expect(done.response).not.toMatch(/Envelope|Header/);
    expect(done.request).not.toMatch(/Envelope|Header/);
    expect(done.executed_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(done.sequence_number).toMatch(/^\d+$/);
    expect(done.process_id).toMatch(HEX32);
    expect(done.log_information.updated_by_user.username).toBe('conax-provisioning');
    expect((await history(created.id)).map((e: any) => e.type)).toEqual(['PairingRequested', 'RequestDispatched', 'RequestProcessed']);
    expect(successfulPairingCalls(simulatorOf(t.app), created.id)).toBe(1);
  });

  it("rejects a non-numeric CA ID with Conax's fault", async () => {
    const created = await create(pairingBody({ stb_set: [{ stb_ca_id: 'STB-X1' }] }));
    await runOnce(t.app);
    const done = await waitForFinal(t, token, created.id);
    expect(done).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'INVALID_CA_ID', reference_number: null });
    expect(done.error_description).toContain('STB-X1');
    expect(done.response).toContain('Fault');
  });

  it('leaves a request scheduled in the future PENDING until it is due', async () => {
    const due = new Date(Date.now() + 1500).toISOString();
    const created = await create(pairingBody({ scheduled_date: due.slice(0, 19) + 'Z' }));
    await runOnce(t.app);
    await new Promise((r) => setTimeout(r, 300));
    const early = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${created.id}` })).body.data;
    expect(early).toMatchObject({ life_cycle_state: 'PENDING', sequence_number: null });
    await new Promise((r) => setTimeout(r, 1500));
    await runOnce(t.app);
    expect((await waitForFinal(t, token, created.id)).life_cycle_state).toBe('COMPLETED');
  });

  it('sends EXPRESS before REGULAR within one run, then by scheduled date, then by number', async () => {
    const regularOld = await create(pairingBody({ scheduled_date: '2020-01-01T00:00:00Z' }));
    const regularNew = await create(pairingBody());
    const express = await create(pairingBody({ priority: 'EXPRESS' }));
    await runOnce(t.app);
    const [a, b, c] = await Promise.all([regularOld, regularNew, express].map((r) => waitForFinal(t, token, r.id)));
    expect(Number(c.sequence_number)).toBeLessThan(Number(a.sequence_number));
    expect(Number(a.sequence_number)).toBeLessThan(Number(b.sequence_number));
    expect(new Set([a.process_id, b.process_id, c.process_id]).size).toBe(1);
  });

  it('process_immediately answers with the final state', async () => {
    const response = await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ life_cycle_state: 'COMPLETED', process_immediately: true, process_id: expect.stringMatching(HEX32) });
    expect(response.body.data.reference_number).toEqual(expect.any(String));
  });

  it('does not call Conax again for a redelivered dispatch of a finished request', async () => {
    const created = await create(pairingBody({ process_immediately: true }));
    expect(created.life_cycle_state).toBe('COMPLETED');
    const bus = busOf(t.app) as InMemoryBus;
    const dispatch = messagesOf(TOPICS.dispatch).find((m) => m.key === created.id)!;
    const outcomesBefore = messagesOf(TOPICS.outcomes).length;
    await bus.publish(TOPICS.dispatch, [dispatch]);
    await eventually(() => messagesOf(TOPICS.outcomes).length, (n) => n > outcomesBefore);
    expect(successfulPairingCalls(simulatorOf(t.app), created.id)).toBe(1);
    expect((await history(created.id)).map((e: any) => e.type)).toEqual(['PairingRequested', 'RequestDispatched', 'RequestProcessed']);
  });

  it('parks a poison outcome message on the DLQ and keeps going', async () => {
    const bus = busOf(t.app) as InMemoryBus;
    const parked = bus.deadLettered();
    await bus.publish(TOPICS.outcomes, [{ key: 'poison', value: '{not json', headers: {} }]);
    await bus.publish(TOPICS.outcomes, [
      { key: 'unknown', value: JSON.stringify({ schema: 'conax.pairing.outcome.v1', request_id: '0'.repeat(32), attempt: 1, result: 'accepted', response: 'OK x', reference_number: 'x', executed_at: new Date().toISOString() }), headers: {} },
    ]);
    await eventually(() => messagesOf(`${TOPICS.outcomes}.dlq`).length, (n) => n > 0);
    expect(messagesOf(`${TOPICS.outcomes}.dlq`).map((m) => m.key)).toEqual(['poison']);
    expect(bus.deadLettered()).toBe(parked + 1);
    const after = await create(pairingBody({ process_immediately: true }));
    expect(after.life_cycle_state).toBe('COMPLETED');
  });

  it('publishes one integration event per stored event, in order per request, as CloudEvents', async () => {
    const created = await create(pairingBody({ process_immediately: true }));
    const bus = busOf(t.app) as InMemoryBus;
    const stored = await history(created.id);
    const published = await eventually(
      () => messagesOf(TOPICS.events).filter((m) => m.key === created.id).map((m) => JSON.parse(m.value)),
      (list) => list.length >= stored.length,
    );
    expect(published.map((e: any) => e.id)).toEqual(stored.map((e: any) => e.event_id));
    expect(published.map((e: any) => e.type)).toEqual([
      'conax.provisioning_request.PairingRequested.v1',
      'conax.provisioning_request.RequestDispatched.v1',
      'conax.provisioning_request.RequestProcessed.v1',
    ]);
    expect(published[0]).toMatchObject({ specversion: '1.0', subject: created.id, datacontenttype: 'application/json', streamrevision: 0 });
    const allIds = messagesOf(TOPICS.events).map((m) => JSON.parse(m.value).id);
    expect(new Set(allIds).size).toBe(allIds.length);
  });
});

describe('Conax trouble', () => {
  it('still completes every request when the simulator fails half the calls, with one successful call each', async () => {
    const t = await startTestApp({
      PROCESSING_RUN_INTERVAL_MS: '100',
      CONAX_SIMULATOR_FAILURE_RATE: '0.5',
      CONAX_RETRY_INITIAL_MS: '5',
      CONAX_RETRY_MAX_MS: '20',
      CONAX_MAX_RETRIES: '30',
    });
    try {
      const token = await t.login();
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data.id);
      const finals = await Promise.all(ids.map((id) => waitForFinal(t, token, id)));
      expect(finals.map((f) => f.life_cycle_state)).toEqual(ids.map(() => 'COMPLETED'));
      const simulator = simulatorOf(t.app);
      for (const id of ids) expect(successfulPairingCalls(simulator, id)).toBe(1);
      expect(simulator.calls().some((c) => c.outcome === 'transient')).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('logs in again when the Conax session has expired', async () => {
    const t = await startTestApp({ CONAX_SIMULATOR_SESSION_TTL_MS: '300', CONAX_RETRY_INITIAL_MS: '5' });
    try {
      const token = await t.login();
      const first = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) })).body.data;
      await new Promise((r) => setTimeout(r, 500));
      const second = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) })).body.data;
      expect([first.life_cycle_state, second.life_cycle_state]).toEqual(['COMPLETED', 'COMPLETED']);
      const calls = simulatorOf(t.app).calls();
      expect(calls.filter((c) => c.operation === 'Login')).toHaveLength(2);
      expect(calls.filter((c) => c.outcome === 'not_logged_in')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('rejects with CONAX_TIMEOUT only after Conax was called for every send and never answered', async () => {
    const t = await startTestApp({
      CONAX_SIMULATOR_FAILURE_RATE: '1',
      PROCESSING_RUN_INTERVAL_MS: '100',
      OUTCOME_TIMEOUT_MS: '300',
      CONAX_CALL_TIMEOUT_MS: '100',
      CONAX_MAX_RETRIES: '1',
      CONAX_RETRY_INITIAL_MS: '5',
      CONAX_RETRY_MAX_MS: '10',
      MAX_DISPATCH_ATTEMPTS: '2',
    });
    try {
      const token = await t.login();
      const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
      const done = await waitForFinal(t, token, created.id);
      expect(done).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'CONAX_TIMEOUT', error_description: 'Conax gave no answer to 2 sends of this request.' });
      const events = (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${created.id}` })).body.data;
      expect(events.map((e: any) => [e.type, e.data.attempt])).toEqual([
        ['PairingRequested', undefined],
        ['RequestDispatched', 1],
        ['ConaxCallUnanswered', 1],
        ['RequestDispatched', 2],
        ['ConaxCallUnanswered', 2],
        ['RequestRejected', undefined],
      ]);
      const calls = simulatorOf(t.app).calls();
      // Two sends, each a call and one retry, every one refused at Conax's door (its login answered 503).
      expect(calls.map((c) => c.outcome)).toEqual(['transient', 'transient', 'transient', 'transient']);
    } finally {
      await t.close();
    }
  });

  it('never rejects a send that no connector took: it is sent again, ever more slowly, and stays PENDING', async () => {
    const t = await startTestApp({
      RUN_CONNECTOR: 'false',
      PROCESSING_RUN_INTERVAL_MS: '100',
      OUTCOME_TIMEOUT_MS: '300',
      CONAX_CALL_TIMEOUT_MS: '100',
      MAX_DISPATCH_ATTEMPTS: '1',
    });
    try {
      const token = await t.login();
      const dispatches = await recordTopic(t.app, TOPICS.dispatch);
      const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
      await new Promise((r) => setTimeout(r, 3000)); // re-sends after about 0.3, 0.6, 0.9, 1.5 and 2.7 s
      const shown = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${created.id}` })).body.data;
      expect(shown.life_cycle_state).toBe('PENDING');
      const attempts = dispatches.filter((m) => m.key === created.id).map((m) => JSON.parse(m.value).attempt);
      // Sent again and again (a slow machine may not have reached the sixth send yet), never rejected.
      expect(attempts.length).toBeGreaterThanOrEqual(4);
      expect(attempts.length).toBeLessThanOrEqual(6);
      expect(attempts).toEqual(attempts.map((_: number, i: number) => i + 1));
    } finally {
      await t.close();
    }
  });

  it('writes nothing on a tick with nothing to send or sweep (a request inside its longer wait included)', async () => {
    const t = await startTestApp({
      RUN_CONNECTOR: 'false',
      PROCESSING_RUN_INTERVAL_MS: '3600000',
      OUTCOME_TIMEOUT_MS: '1000',
      CONAX_CALL_TIMEOUT_MS: '100',
    });
    try {
      const token = await t.login();
      const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
      await runOnce(t.app); // sends it: one run, two run events
      for (let send = 2; send <= 4; send++) {
        await new Promise((r) => setTimeout(r, 1500)); // the saga publishes a moment after the run: room for it
        await runOnce(t.app); // overdue: sent again, two more run events
      }
      expect((await readRunEvents(t)).length).toBe(8);
      await new Promise((r) => setTimeout(r, 1300)); // past one timeout, but the fourth send waits two
      for (let i = 0; i < 5; i++) await runOnce(t.app);
      expect((await readRunEvents(t)).length).toBe(8);
      const shown = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${created.id}` })).body.data;
      expect(shown.life_cycle_state).toBe('PENDING');
    } finally {
      await t.close();
    }
  });

  it('finishes the work of a crashed process after a restart (nothing accepted is lost)', async () => {
    const t = await startTestApp({ RUN_CONNECTOR: 'false', PROCESSING_RUN_INTERVAL_MS: '3600000' });
    const token = await t.login();
    const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
    await runOnce(t.app); // dispatched, but no connector: the outcome never comes
    await t.close();
    const again = await startTestApp({ DATA_DIR: t.dataDir, PROCESSING_RUN_INTERVAL_MS: '100', OUTCOME_TIMEOUT_MS: '300', CONAX_CALL_TIMEOUT_MS: '200' });
    try {
      const done = await waitForFinal(again, await again.login(), created.id);
      expect(done.life_cycle_state).toBe('COMPLETED');
      expect(successfulPairingCalls(simulatorOf(again.app), created.id)).toBe(1);
    } finally {
      await again.close();
    }
  });
});
