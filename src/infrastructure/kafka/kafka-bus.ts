import { BusMessage, ConsumerState, ConsumeOptions, LogShipper, MessageBus, RunningConsumer } from '../../application/ports/message-bus.port';
import { KafkaBusOptions, KafkaConnection } from './kafka-connection';
import { KafkaConsumers } from './kafka-consumers';
import { KafkaLogShippers } from './kafka-log-shippers';
import { KafkaSender } from './kafka-sender';
import { KafkaTopics } from './kafka-topics';

export type { KafkaBusOptions };

/**
 * The message bus on Apache Kafka, one role per file of this folder: publishing through one idempotent
 * producer with send batching (kafka-sender), transactional log shippers (kafka-log-shippers), consumers with
 * dead-letter topics (kafka-consumers), the topics and their guard (kafka-topics), over one shared kafkajs
 * client (kafka-connection). kafkajs is barely maintained: it stays inside this folder.
 */
export class KafkaBus implements MessageBus {
  private readonly connection: KafkaConnection;
  private readonly sender: KafkaSender;
  private readonly shippers: KafkaLogShippers;
  private readonly consumers: KafkaConsumers;
  private readonly topics: KafkaTopics;

  constructor(options: KafkaBusOptions) {
    this.connection = new KafkaConnection(options);
    this.sender = new KafkaSender(this.connection);
    this.shippers = new KafkaLogShippers(this.connection);
    this.consumers = new KafkaConsumers(this.connection, this.sender);
    this.topics = new KafkaTopics(this.connection);
  }

  ensureTopics(topics: readonly string[]): Promise<void> {
    return this.topics.ensure(topics);
  }

  publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    return this.sender.publish(topic, messages);
  }

  openLogShipper(topic: string, writer: string): Promise<LogShipper> {
    return this.shippers.open(topic, writer);
  }

  consume(options: ConsumeOptions): Promise<RunningConsumer> {
    return this.consumers.consume(options);
  }

  /** Ready: the cluster answers, every topic this process uses exists, and every consumer of this process has joined its group. */
  async notReadyBecause(): Promise<string | null> {
    const topics = await this.topics.missing();
    if (topics !== null) return topics;
    const joining = this.consumers.stillJoining();
    return joining.length ? `consumers still joining their groups: ${joining.join(', ')}` : null;
  }

  deadLettered(): number {
    return this.consumers.deadLettered();
  }

  brokerRequests(): ReadonlyMap<string, number> {
    return this.connection.requests;
  }

  consumerStates(): Promise<ConsumerState[]> {
    return this.consumers.consumerStates();
  }

  async close(): Promise<void> {
    this.topics.stopGuard();
    await this.consumers.closeAll();
    await this.shippers.closeAll();
    await this.connection.producer.disconnect().catch(() => undefined);
    await this.connection.admin.disconnect().catch(() => undefined);
  }
}
