import { randomUUID } from 'node:crypto';
import { RunningSimulator, startConaxSimulator } from '../../src/infrastructure/conax-simulator/conax-simulator';
import { DispatchSaga } from '../../src/application/processing/dispatch-saga';
import { IntegrationEventPublisher } from '../../src/application/processing/integration-event-publisher';
import { REQUEST_VIEW_PROJECTION, RequestViewProjection } from '../../src/application/read-model/request-view.projection';
import { ServiceConsumer } from '../../src/application/processing/service-consumer';
import { KAFKA_BROKERS, describeWithKafka } from '../support/kafka';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';
import { eventually, waitForFinal } from '../support/processing';
import { rebuildScenario } from '../support/rebuild-scenario';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const broker = require('../../scripts/kafka.js');

jest.setTimeout(240_000);

const topics = (suffix: string) => ({
  DISPATCH_TOPIC: `prod.${suffix}.dispatch`,
  OUTCOME_TOPIC: `prod.${suffix}.outcomes`,
  EVENTS_TOPIC: `prod.${suffix}.events`,
});

function productionEnv(schema: string, brokers: string, suffix: string, extra: Record<string, string> = {}) {
  return {
    EVENT_STORE: 'postgres',
    READ_MODEL: 'postgres',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    BUS: 'kafka',
    KAFKA_BROKERS: brokers,
    PROCESSING_RUN_INTERVAL_MS: '200',
    ...topics(suffix),
    ...extra,
  };
}

const okCalls = (simulator: RunningSimulator, id: string) =>
  simulator.calls().filter((c) => c.operation === 'CreatePairing' && c.outcome === 'ok' && c.request_id === id).length;

describeWithKafka('production profile: PostgreSQL event store and read model, real Kafka, connector, simulator', () => {
  describe('one instance', () => {
    const schema = testSchema('prod_one');
    const suffix = randomUUID().slice(0, 8);
    let t: TestApp;
    let token: string;
    afterAll(async () => {
      await t?.close();
      await schema.drop();
    });

    it('completes good pairings, rejects bad ones, answers process_immediately with the final state', async () => {
      t = await startTestApp(productionEnv(schema.name, KAFKA_BROKERS, suffix));
      token = await t.login();
      await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 60_000);
      const good = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ priority: 'EXPRESS' }) })).body.data;
      const bad = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ stb_set: [{ stb_ca_id: 'X-1' }] }) })).body.data;
      const immediate = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) })).body.data;
      expect(immediate.life_cycle_state).toBe('COMPLETED');
      expect((await waitForFinal(t, token, good.id, 60_000)).life_cycle_state).toBe('COMPLETED');
      expect(await waitForFinal(t, token, bad.id, 60_000)).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'INVALID_CA_ID' });
      const shown = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `number=${good.number}` })).body.data;
      expect(shown.id).toBe(good.id);
      const idempotent = await Promise.all(
        Array.from({ length: 20 }, () => t.http.post(ROUTES.create).set('Idempotency-Key', `k-${suffix}`).send({ token, ...pairingBody() })),
      );
      expect(new Set(idempotent.map((r) => r.body.data.id)).size).toBe(1);
    });
  });

  const rebuildSchema = testSchema('prod_rebuild');
  rebuildScenario(
    'postgres',
    () => productionEnv(rebuildSchema.name, KAFKA_BROKERS, randomUUID().slice(0, 8)),
    'postgres',
    () => rebuildSchema.drop(),
  );

  describe('two instances at once', () => {
    const schema = testSchema('prod_two');
    const suffix = randomUUID().slice(0, 8);
    let simulator: RunningSimulator;
    let a: TestApp;
    let b: TestApp;
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await simulator?.close();
      await schema.drop();
    });

    it('never dispatches a request twice, and each subscriber runs on exactly one instance', async () => {
      simulator = await startConaxSimulator({ port: 0, host: '127.0.0.1', username: 'conax', password: 'conax', latencyMs: 5, transientFailureRate: 0, sessionTtlMs: 300_000, callLogSize: 10_000 });
      const shared = { CONAX_URL: simulator.url, SUBSCRIBER_LEASE_TTL_MS: '3000' };
      a = await startTestApp(productionEnv(schema.name, KAFKA_BROKERS, suffix, { ...shared, INSTANCE_ID: 'instance-a' }));
      b = await startTestApp(productionEnv(schema.name, KAFKA_BROKERS, suffix, { ...shared, INSTANCE_ID: 'instance-b' }));
      const [tokenA, tokenB] = [await a.login(), await b.login()];
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) {
        const [app, token] = i % 2 ? [b, tokenB] : [a, tokenA];
        ids.push((await app.http.post(ROUTES.create).send({ token, ...pairingBody({ priority: i % 3 ? 'REGULAR' : 'EXPRESS' }) })).body.data.id);
      }
      const finals = await Promise.all(ids.map((id) => waitForFinal(a, tokenA, id, 120_000)));
      expect(finals.map((f) => f.life_cycle_state)).toEqual(ids.map(() => 'COMPLETED'));
      for (const id of ids) {
        const history = (await b.http.get(ROUTES.history).query({ token: tokenB, provisioning_request_identifier: `id=${id}` })).body.data;
        expect(history.filter((e: any) => e.type === 'RequestDispatched')).toHaveLength(1);
        expect(okCalls(simulator, id)).toBe(1);
      }
      for (const processor of [RequestViewProjection, DispatchSaga, IntegrationEventPublisher]) {
        const active = [a, b].filter((app) => app.app.get(ServiceConsumer).named(app.app.get(processor as any).name)!.status().active);
        expect(active).toHaveLength(1);
      }
    });

    it('fails over: when the active instance stops, the other takes over its subscribers', async () => {
      const active = a.app.get(ServiceConsumer).named(REQUEST_VIEW_PROJECTION)!.status().active ? a : b;
      const standby = active === a ? b : a;
      await active.close();
      if (active === a) a = undefined as any;
      else b = undefined as any;
      const token = await standby.login();
      await eventually(() => standby.app.get(ServiceConsumer).named(REQUEST_VIEW_PROJECTION)!.status().active, (x) => x === true, 30_000);
      const created = (await standby.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
      expect((await waitForFinal(standby, token, created.id, 60_000)).life_cycle_state).toBe('COMPLETED');
    });
  });

  describe('readiness follows Kafka', () => {
    const schema = testSchema('prod_ready');
    let state: any;
    let t: TestApp;
    afterAll(async () => {
      await t?.close();
      if (state) await broker.stopBroker(state);
      await schema.drop();
    });

    it('goes unready when the broker stops and ready again when it is back', async () => {
      state = await broker.startBroker();
      t = await startTestApp(productionEnv(schema.name, state.bootstrap, randomUUID().slice(0, 8)));
      expect((await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 30_000)).status).toBe(200);
      await broker.killBroker(state);
      const down = await eventually(() => t.http.get('/health/ready'), (r) => r.status === 503, 60_000);
      expect(down.status).toBe(503);
      expect(down.body.status.code).toBe('UNAVAILABLE');
      expect(down.body.status.description).toContain('bus');
      await broker.restartBroker(state);
      expect((await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 90_000)).status).toBe(200);
    });
  });
});

