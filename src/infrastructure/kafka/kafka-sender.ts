import { BusMessage, BusUnavailableError } from '../../application/ports/message-bus.port';
import { KafkaConnection } from './kafka-connection';

/** Kafka refuses a record batch over `message.max.bytes` (1 MiB by default): larger sends go in several requests. */
export const MAX_SEND_REQUEST_BYTES = 256 * 1024;

const sizeOf = (message: BusMessage) => Buffer.byteLength(message.value) + Buffer.byteLength(message.key) + 64;
export const toKafka = (messages: readonly BusMessage[]) => messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));

export function chunksOf(messages: readonly BusMessage[], maxBytes: number): BusMessage[][] {
  const chunks: BusMessage[][] = [];
  let current: BusMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (current.length && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** One publish waiting for the producer. */
interface WaitingSend {
  topic: string;
  messages: readonly BusMessage[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Publishing through the bus's one idempotent producer (acks=-1, one request in flight, so per-key order
 * survives retries), with publishes that queue behind each other merged into one request.
 */
export class KafkaSender {
  /** Publishes that arrived while a send was in flight, in arrival order (see sendWaiting). */
  private readonly waiting: WaitingSend[] = [];
  private sending = false;

  constructor(private readonly connection: KafkaConnection) {}

  async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.connection.connect();
      await new Promise<void>((resolve, reject) => {
        this.waiting.push({ topic, messages, bytes: messages.reduce((sum, m) => sum + sizeOf(m), 0), resolve, reject });
        void this.sendWaiting();
      });
    } catch (error) {
      throw new BusUnavailableError(`Kafka did not take the messages for ${topic}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * The producer has one request in flight (per-key order across retries) and kafkajs merges nothing, so
   * publishes queued behind each other would each wait for a round trip of their own. Those that arrive
   * while a send is in flight leave together in the next request (one `sendBatch`, any topics, in arrival
   * order, up to MAX_SEND_REQUEST_BYTES); a larger one goes alone, in requests of at most that size. A
   * failed request fails every publish in it; each caller retries its own, as before.
   */
  private async sendWaiting(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const group = [this.waiting.shift()!];
        let bytes = group[0].bytes;
        while (this.waiting.length > 0 && bytes + this.waiting[0].bytes <= MAX_SEND_REQUEST_BYTES) {
          bytes += this.waiting[0].bytes;
          group.push(this.waiting.shift()!);
        }
        try {
          if (group.length === 1) {
            for (const chunk of chunksOf(group[0].messages, MAX_SEND_REQUEST_BYTES)) {
              await this.connection.producer.send({ topic: group[0].topic, acks: -1, messages: toKafka(chunk) });
            }
          } else {
            await this.connection.producer.sendBatch({ acks: -1, topicMessages: group.map((send) => ({ topic: send.topic, messages: toKafka(send.messages) })) });
          }
          for (const send of group) send.resolve();
        } catch (error) {
          for (const send of group) send.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
