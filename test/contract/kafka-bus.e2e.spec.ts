import { randomUUID } from 'node:crypto';
import { KafkaBus } from '../../src/infrastructure/kafka/kafka-bus';
import { KAFKA_BROKERS, describeWithKafka } from '../support/kafka';
import { FAST_RETRY, messageBusContract } from './message-bus.contract';

jest.setTimeout(120_000);

const openKafkaBus = () => new KafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'contract-test', partitions: 3, replicationFactor: 1, retry: FAST_RETRY });

describeWithKafka('Kafka bus on a real broker', () => {
  messageBusContract('kafka', openKafkaBus);

  it('keeps its group membership through a fetched batch that outlasts the session (no message handled twice)', async () => {
    // The broker's shortest session (group.min.session.timeout.ms) is 6 s; 10 messages of 800 ms each make one
    // batch of about 8 s, each handler too short for the in-handler heartbeat (every 3 s) to fire.
    const bus = new KafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'contract-test', partitions: 1, replicationFactor: 1, retry: FAST_RETRY, sessionTimeoutMs: 6000 });
    try {
      const topic = `session.${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([topic]);
      await bus.publish(topic, Array.from({ length: 10 }, (_, i) => ({ key: 'one', value: `${i}`, headers: {} })));
      const handled: string[] = [];
      const consumer = await bus.consume({
        topic,
        groupId: `session-${randomUUID().slice(0, 8)}`,
        handler: async (m) => {
          await new Promise((r) => setTimeout(r, 800));
          handled.push(m.value);
        },
      });
      const deadline = Date.now() + 60_000;
      while (handled.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 2000)); // a redelivery after losing the membership would show here
      await consumer.stop();
      expect(handled).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));
    } finally {
      await bus.close();
    }
  });

  it('counts its requests to the broker by API, and sends publishes made at once in fewer produce requests', async () => {
    const bus = openKafkaBus();
    try {
      const topic = `requests.${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([topic]);
      const produced = () => bus.brokerRequests().get('Produce') ?? 0;
      const before = produced();
      await Promise.all(Array.from({ length: 40 }, (_, i) => bus.publish(topic, [{ key: `k${i}`, value: `${i}`, headers: {} }])));
      const sent = produced() - before;
      expect(sent).toBeGreaterThan(0);
      // The first goes alone; the other 39 waited for it and leave together (one request, or a few).
      expect(sent).toBeLessThan(10);
      expect(bus.brokerRequests().get('CreateTopics')).toBeGreaterThan(0);
    } finally {
      await bus.close();
    }
  });
});
