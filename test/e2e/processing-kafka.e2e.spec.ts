import { randomUUID } from 'node:crypto';
import { BusMessage, dlqTopicOf } from '../../src/application/ports/message-bus.port';
import { KafkaBus } from '../../src/infrastructure/kafka/kafka-bus';
import { KAFKA_BROKERS, describeWithKafka } from '../support/kafka';
import { eventually, simulatorOf, successfulPairingCalls, waitForFinal } from '../support/processing';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const broker = require('../../scripts/kafka.js');

jest.setTimeout(240_000);

function topicsEnv(suffix: string) {
  return {
    DISPATCH_TOPIC: `e2e.${suffix}.dispatch`,
    OUTCOME_TOPIC: `e2e.${suffix}.outcomes`,
    EVENTS_TOPIC: `e2e.${suffix}.events`,
  };
}

async function collectTopic(brokers: string, topic: string, into: BusMessage[]) {
  const bus = new KafkaBus({ brokers: [brokers], clientId: 'e2e-observer', partitions: 3, replicationFactor: 1, retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 10 } });
  const consumer = await bus.consume({ topic, groupId: `observer-${randomUUID()}`, handler: async (m) => void into.push(m) });
  return { stop: async () => { await consumer.stop(); await bus.close(); } };
}

describeWithKafka('end to end on a real Kafka broker', () => {
  describe('the flow', () => {
    let t: TestApp;
    let token: string;
    const suffix = randomUUID().slice(0, 8);
    const env = topicsEnv(suffix);
    const events: BusMessage[] = [];
    let observer: { stop(): Promise<void> };

    beforeAll(async () => {
      t = await startTestApp({ BUS: 'kafka', KAFKA_BROKERS, PROCESSING_RUN_INTERVAL_MS: '200', ...env });
      token = await t.login();
      await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 60_000);
      observer = await collectTopic(KAFKA_BROKERS, env.EVENTS_TOPIC, events);
    });
    afterAll(async () => {
      await observer?.stop();
      await t?.close();
    });

    it('completes a good pairing, rejects a bad one, and answers process_immediately with the final state', async () => {
      const good = (await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
      const bad = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ smartcard_set: [{ smartcard_ca_id: 'CARD-A' }] }) })).body.data;
      const immediate = await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) });
      expect(immediate.body.data.life_cycle_state).toBe('COMPLETED');
      const goodDone = await waitForFinal(t, token, good.id, 60_000);
      expect(goodDone).toMatchObject({ life_cycle_state: 'COMPLETED' });
      expect(goodDone.reference_number).toEqual(expect.any(String));
      expect(goodDone.sequence_number).toEqual(expect.any(String));
      expect(goodDone.executed_date).toEqual(expect.any(String));
      const badDone = await waitForFinal(t, token, bad.id, 60_000);
      expect(badDone).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'INVALID_CA_ID' });
    });

    it('publishes integration events once per stored event, in order per request', async () => {
      const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) })).body.data;
      const stored = (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${created.id}` })).body.data;
      const mine = () => events.filter((m) => m.key === created.id).map((m) => JSON.parse(m.value));
      await eventually(mine, (list) => list.length >= stored.length, 60_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(mine().map((e) => e.id)).toEqual(stored.map((e: any) => e.event_id));
      const all = events.map((m) => JSON.parse(m.value).id);
      expect(new Set(all).size).toBe(all.length);
    });

    it('parks a poison outcome message on the DLQ and the flow continues', async () => {
      const parked: BusMessage[] = [];
      const dlq = await collectTopic(KAFKA_BROKERS, dlqTopicOf(env.OUTCOME_TOPIC), parked);
      try {
        const bus = new KafkaBus({ brokers: [KAFKA_BROKERS], clientId: 'e2e-poisoner', partitions: 3, replicationFactor: 1, retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 10 } });
        await bus.publish(env.OUTCOME_TOPIC, [{ key: 'poison', value: 'definitely not json', headers: {} }]);
        await bus.close();
        await eventually(() => parked.length, (n) => n > 0, 60_000);
        expect(parked[0]).toMatchObject({ key: 'poison', value: 'definitely not json' });
        const after = await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) });
        expect(after.body.data.life_cycle_state).toBe('COMPLETED');
      } finally {
        await dlq.stop();
      }
    });
  });

  describe('broker SIGKILLed and restarted mid-run', () => {
    let state: any;
    let t: TestApp | null = null;

    afterAll(async () => {
      await t?.close();
      if (state) await broker.stopBroker(state);
    });

    it('brings every request to a final state with exactly one successful pairing call each', async () => {
      state = await broker.startBroker();
      t = await startTestApp({
        BUS: 'kafka',
        KAFKA_BROKERS: state.bootstrap,
        PROCESSING_RUN_INTERVAL_MS: '200',
        OUTCOME_TIMEOUT_MS: '8000',
        MAX_DISPATCH_ATTEMPTS: '10',
        CONAX_SIMULATOR_LATENCY_MS: '20',
        ...topicsEnv(randomUUID().slice(0, 8)),
      });
      const token = await t.login();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data.id);
      const simulator = simulatorOf(t.app);
      await eventually(() => simulator.calls().filter((c) => c.outcome === 'ok' && c.operation === 'CreatePairing').length, (n) => n >= 3, 60_000);
      await broker.killBroker(state);
      for (let i = 0; i < 10; i++) ids.push((await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data.id);
      await new Promise((r) => setTimeout(r, 3000));
      await broker.restartBroker(state);
      const finals = await Promise.all(ids.map((id) => waitForFinal(t!, token, id, 180_000)));
      expect(finals.map((f) => f.life_cycle_state)).toEqual(ids.map(() => 'COMPLETED'));
      for (const id of ids) expect(successfulPairingCalls(simulator, id)).toBe(1);
    });
  });
});
