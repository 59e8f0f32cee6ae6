import { randomUUID } from 'node:crypto';
import { CATALOGUE_SERVICE_SCHEMA, CATALOGUE_SMARTCARD_SCHEMA } from '../../src/application/catalogue/catalogue-entries';
import { BusMessage, dlqTopicOf } from '../../src/application/ports/message-bus.port';
import { KafkaBus } from '../../src/infrastructure/kafka/kafka-bus';
import { KAFKA_BROKERS, describeWithKafka } from '../support/kafka';
import { eventually, waitForFinal } from '../support/processing';
import { ROUTES, TestApp, startTestApp } from '../support/test-app';

jest.setTimeout(240_000);

const kafka = () =>
  new KafkaBus({ brokers: [KAFKA_BROKERS], clientId: `e2e-catalogue-${randomUUID().slice(0, 6)}`, partitions: 3, replicationFactor: 1, retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 10 } });

/**
 * The catalogue's Kafka feed on a real broker, as the owning services would publish it, and ADD_SUBSCRIPTIONS /
 * CANCEL_SUBSCRIPTIONS requests flowing over Kafka to the connector and the simulator.
 */
describeWithKafka('catalogue feed and subscription requests on a real Kafka broker', () => {
  const suffix = randomUUID().slice(0, 8);
  const env = {
    DISPATCH_TOPIC: `e2e.${suffix}.dispatch`,
    OUTCOME_TOPIC: `e2e.${suffix}.outcomes`,
    EVENTS_TOPIC: `e2e.${suffix}.events`,
    CATALOGUE_SERVICES_TOPIC: `e2e.${suffix}.catalogue.services`,
    CATALOGUE_SMARTCARDS_TOPIC: `e2e.${suffix}.catalogue.smartcards`,
  };
  let t: TestApp;
  let token: string;
  const dispatched: BusMessage[] = [];
  const parked: BusMessage[] = [];
  const observers: { stop(): Promise<void> }[] = [];
  const change = (route: string, body: Record<string, unknown>) =>
    t.http.post(route).send({ token, subscription_identifier: { id: 'SUB-1' }, smartcard_identifier: { serial_number: `SN-${suffix}` }, ...body });

  async function observe(topic: string, into: BusMessage[]) {
    const bus = kafka();
    const consumer = await bus.consume({ topic, groupId: `observer-${randomUUID()}`, handler: async (m) => void into.push(m) });
    observers.push({ stop: async () => { await consumer.stop(); await bus.close(); } });
  }

  beforeAll(async () => {
    t = await startTestApp({ BUS: 'kafka', KAFKA_BROKERS, PROCESSING_RUN_INTERVAL_MS: '200', ...env });
    token = await t.login();
    await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 60_000);
    await observe(env.DISPATCH_TOPIC, dispatched);
    await observe(dlqTopicOf(env.CATALOGUE_SERVICES_TOPIC), parked);
  });
  afterAll(async () => {
    for (const observer of observers) await observer.stop();
    await t?.close();
  });

  it('applies upserts and deletes published by other services, and parks an unreadable message', async () => {
    const publisher = kafka();
    try {
      await publisher.publish(env.CATALOGUE_SERVICES_TOPIC, [
        { key: 'SRV-A', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service: { id: 'SRV-A', code: `A-${suffix}`, service_ca_id: '701' } }), headers: {} },
        { key: 'SRV-B', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service: { id: 'SRV-B', code: `B-${suffix}`, service_ca_id: '702' } }), headers: {} },
        { key: 'bad', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service: { id: 'SRV-C' } }), headers: {} },
      ]);
      await publisher.publish(env.CATALOGUE_SMARTCARDS_TOPIC, [
        { key: 'SC-A', value: JSON.stringify({ schema: CATALOGUE_SMARTCARD_SCHEMA, action: 'upsert', smartcard: { id: 'SC-A', serial_number: `SN-${suffix}`, smartcard_ca_id: '01900090001' } }), headers: {} },
      ]);
      // Same key as its upsert, so it is applied after it.
      await publisher.publish(env.CATALOGUE_SERVICES_TOPIC, [
        { key: 'SRV-B', value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'delete', id: 'SRV-B' }), headers: {} },
      ]);
    } finally {
      await publisher.close();
    }
    await eventually(async () => (await change(ROUTES.addSubscriptions, { service_identifier: { code: `A-${suffix}` }, scheduled_date: '2099-01-01T00:00:00' })).status, (status) => status === 200, 60_000);
    await eventually(async () => (await change(ROUTES.addSubscriptions, { service_identifier: { code: `B-${suffix}` } })).body.status.code, (code) => code === 'INVALID_PARAMETER', 60_000);
    await eventually(() => parked.length, (n) => n > 0, 60_000);
    expect(parked[0].key).toBe('bad');
  });

  it("shows operators each Kafka consumer's group membership and lag, read from the broker", async () => {
    const ops = await t.login('olivia');
    const consumers = await eventually(
      async () => (await t.http.get(ROUTES.operationsStatus).query({ token: ops })).body.data.consumers as { topic: string; group_id: string; joined: boolean; handled: number; lag: number | null }[],
      (list) => list.some((c) => c.topic === env.CATALOGUE_SERVICES_TOPIC && c.lag === 0 && c.joined),
      60_000,
    );
    const services = consumers.find((c) => c.topic === env.CATALOGUE_SERVICES_TOPIC)!;
    expect(services).toMatchObject({ group_id: `${env.CATALOGUE_SERVICES_TOPIC}.catalogue`, joined: true, lag: 0 });
    expect(services.handled).toBeGreaterThanOrEqual(4);
    expect(consumers.map((c) => c.topic)).toEqual(expect.arrayContaining([env.OUTCOME_TOPIC, `${env.DISPATCH_TOPIC}.dlq`, env.DISPATCH_TOPIC]));
  });

  it('adds and cancels a service over Kafka, with the operation in dispatch messages v2', async () => {
    const added = (await change(ROUTES.addSubscriptions, { service_identifier: { id: 'SRV-A' } })).body.data;
    expect(await waitForFinal(t, token, added.id, 60_000)).toMatchObject({ life_cycle_state: 'COMPLETED', type: 'ADD_SUBSCRIPTIONS' });
    const cancelled = await change(ROUTES.cancelSubscriptions, { service_identifier: { id: 'SRV-A' }, process_immediately: true });
    expect(cancelled.body.data).toMatchObject({ life_cycle_state: 'COMPLETED', type: 'CANCEL_SUBSCRIPTIONS' });
    const again = (await change(ROUTES.cancelSubscriptions, { service_identifier: { id: 'SRV-A' } })).body.data;
    expect(await waitForFinal(t, token, again.id, 60_000)).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'SUBSCRIPTION_NOT_ACTIVE' });
    const messages = await eventually(
      () => dispatched.map((m) => JSON.parse(m.value)).filter((m) => [added.id, cancelled.body.data.id].includes(m.request_id)),
      (list) => list.length >= 2,
      60_000,
    );
    expect(messages.map((m) => [m.schema, m.operation, m.service_ca_id, m.smartcard_ca_ids])).toEqual([
      ['conax.provisioning.dispatch.v2', 'AddSubscription', '701', ['01900090001']],
      ['conax.provisioning.dispatch.v2', 'CancelSubscription', '701', ['01900090001']],
    ]);
  });
});
