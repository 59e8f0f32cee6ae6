import { Producer } from 'kafkajs';
import { BusUnavailableError, LogShipper } from '../../application/ports/message-bus.port';
import { KafkaConnection } from './kafka-connection';
import { chunksOf, MAX_SEND_REQUEST_BYTES, toKafka } from './kafka-sender';

/** The log shippers a bus opened (closed with it). */
export class KafkaLogShippers {
  private readonly shippers = new Set<Producer>();

  constructor(private readonly connection: KafkaConnection) {}

  /**
   * A transactional producer whose transactional id is the writer's name plus the topic (the same on every
   * instance of one deployment; two deployments sharing a cluster use different topics):
   * initialising it bumps the producer epoch, which aborts a pending transaction of an earlier shipper and
   * fences it for good. The position travels as the committed offset of a consumer group named after the
   * writer (partition 0 of the topic), written in the same transaction as the messages, so a reader sees
   * both or neither. Consumers read with isolation read_committed (kafkajs' default).
   */
  async open(topic: string, writer: string): Promise<LogShipper> {
    const transactionalId = `${writer}.${topic}`;
    const groupId = `${transactionalId}.position`;
    // The broker finishes a commit asynchronously; the next transaction's first request is refused with
    // CONCURRENT_TRANSACTIONS until it has. Java's client retries that after 20 ms; kafkajs' client-wide
    // 200 ms first retry would add that much to every other batch.
    const producer = this.connection.kafka.producer({ retry: { initialRetryTime: 20, retries: 12, maxRetryTime: 2000 }, transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    producer.on(producer.events.REQUEST, this.connection.countRequest);
    try {
      await this.connection.connect();
      await producer.connect();
      this.shippers.add(producer);
      // The first transaction initialises the producer id: that is the fencing step, before the position is read.
      await (await producer.transaction()).abort();
      const [offsets] = await this.connection.admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets?.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
      const committedPosition = BigInt(committed) >= 0n ? BigInt(committed) : null;
      return {
        committedPosition,
        publish: async (messages, position) => {
          try {
            const transaction = await producer.transaction();
            try {
              // Several produce requests in one transaction, so a large batch stays under the broker's batch size.
              for (const chunk of chunksOf(messages, MAX_SEND_REQUEST_BYTES)) {
                await transaction.send({ topic, acks: -1, messages: toKafka(chunk) });
              }
              await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: position.toString() }] }] });
              await transaction.commit();
            } catch (error) {
              if (transaction.isActive()) await transaction.abort().catch(() => undefined);
              throw error;
            }
          } catch (error) {
            throw new BusUnavailableError(`Kafka did not take the log shipment for ${topic}: ${(error as Error).message}`, { cause: error });
          }
        },
        close: async () => {
          this.shippers.delete(producer);
          await producer.disconnect().catch(() => undefined);
        },
      };
    } catch (error) {
      this.shippers.delete(producer);
      await producer.disconnect().catch(() => undefined);
      throw new BusUnavailableError(`Kafka could not open the log shipper ${writer}: ${(error as Error).message}`, { cause: error });
    }
  }

  async closeAll(): Promise<void> {
    for (const shipper of [...this.shippers]) await shipper.disconnect().catch(() => undefined);
  }
}
