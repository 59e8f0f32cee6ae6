import { KafkaBus } from '../../src/infrastructure/kafka/kafka-bus';
import { KAFKA_BROKERS, describeWithKafka } from '../support/kafka';
import { FAST_RETRY, messageBusContract } from './message-bus.contract';

jest.setTimeout(120_000);

describeWithKafka('Kafka bus on a real broker', () => {
  messageBusContract('kafka', () =>
    new KafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'contract-test', partitions: 3, replicationFactor: 1, retry: FAST_RETRY }),
  );
});
