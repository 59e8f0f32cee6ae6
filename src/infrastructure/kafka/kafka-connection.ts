import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { RetryPolicy } from '../../application/ports/message-bus.port';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  retry: RetryPolicy;
  /** How long the group waits for a silent consumer before handing its partitions on (tests shorten it). */
  sessionTimeoutMs?: number;
}

/**
 * What every Kafka role of one bus shares: the kafkajs client (kafkajs is barely maintained, so it stays inside
 * this folder), one admin connection, the bus's idempotent producer (acks=-1, one request in flight, so per-key
 * order survives retries), and the count of requests each client sends to the broker.
 */
export class KafkaConnection {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  /** Requests sent to the broker by every client of this bus, by API name (kafkajs' request instrumentation). */
  readonly requests = new Map<string, number>();
  readonly countRequest = ({ payload }: { payload: { apiName: string } }) => {
    this.requests.set(payload.apiName, (this.requests.get(payload.apiName) ?? 0) + 1);
  };
  private connected: Promise<void> | null = null;

  constructor(readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    });
    this.admin = this.kafka.admin();
    this.admin.on(this.admin.events.REQUEST, this.countRequest);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.REQUEST, this.countRequest);
  }

  connect(): Promise<void> {
    if (!this.connected) {
      this.connected = Promise.all([this.producer.connect(), this.admin.connect()]).then(() => undefined);
      this.connected.catch(() => (this.connected = null));
    }
    return this.connected;
  }
}
