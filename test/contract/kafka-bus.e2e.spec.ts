import { randomUUID } from 'node:crypto';
import { KafkaBus } from '../../src/infrastructure/kafka/kafka-bus';
import { KAFKA_BROKERS, describeWithKafka } from '../support/kafka';
import { FAST_RETRY, messageBusContract } from './message-bus.contract';

jest.setTimeout(120_000);

const openKafkaBus = () => new KafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'contract-test', partitions: 3, replicationFactor: 1, retry: FAST_RETRY });

describeWithKafka('Kafka bus on a real broker', () => {
  messageBusContract('kafka', openKafkaBus);

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
