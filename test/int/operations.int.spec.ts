import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { eventually } from '../support/processing';

describe('operability: health, readiness, metrics, correlation', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
  });
  afterAll(() => t.close());

  it('is live, and ready once the subscribers have caught up', async () => {
    expect((await t.http.get('/health/live')).status).toBe(200);
    const ready = await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200);
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({
      event_store: { status: 'up' },
      read_model: { status: 'up' },
      bus: { status: 'up' },
      subscribers: { status: 'up', request_view: 'caught-up', dispatch_saga: 'caught-up', integration_events: 'caught-up' },
      conax_queue: { status: 'up', waiting: expect.any(Number), oldest_waiting_seconds: expect.any(Number) },
    });
  });

  it('exposes Prometheus metrics for commands, appends, dispatches, outcomes, lag and the DLQ', async () => {
    await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) });
    const text = (await t.http.get('/metrics')).text;
    expect(text).toMatch(/conax_command_duration_seconds_count\{command="create_pairing",result="appended"\} [1-9]/);
    expect(text).toMatch(/conax_events_appended_total [1-9]/);
    expect(text).toMatch(/conax_dispatches_total [1-9]/);
    expect(text).toMatch(/conax_outcomes_total\{result="accepted"\} [1-9]/);
    expect(text).toMatch(/conax_subscriber_lag_events\{subscriber="request_view"\} \d+/);
    expect(text).toMatch(/conax_subscriber_checkpoint_age_seconds\{subscriber="dispatch_saga"\} \d+/);
    expect(text).toMatch(/conax_dead_lettered_messages \d+/);
    expect(text).toContain('conax_append_conflicts_total');
    expect(text).toMatch(/^conax_queue_requests \d+$/m);
    expect(text).toMatch(/^conax_queue_oldest_age_seconds \d+$/m);
  });

  it('carries the caller correlation id into the response and every event of the request', async () => {
    const response = await t.http
      .post(ROUTES.create)
      .set('X-Correlation-Id', 'order-4711-trace')
      .send({ token, ...pairingBody({ process_immediately: true }) });
    expect(response.headers['x-correlation-id']).toBe('order-4711-trace');
    const history = (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${response.body.data.id}` })).body.data;
    expect(history.length).toBeGreaterThanOrEqual(3);
    for (const event of history) expect(event.correlation_id).toBe('order-4711-trace');
  });

  it('keeps health routes outside the API prefix and free of tokens', async () => {
    expect((await t.http.get('/crmapi/rest/v2/health/live')).status).toBe(404);
    expect((await t.http.get('/metrics')).status).toBe(200);
  });
});
