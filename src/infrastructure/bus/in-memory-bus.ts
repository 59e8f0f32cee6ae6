import { Logger } from '@nestjs/common';
import {
  BusMessage,
  ConsumeOptions,
  MessageBus,
  RetryPolicy,
  RunningConsumer,
  dlqTopicOf,
} from '../../application/ports/message-bus.port';
import { handlerRetries } from './handler-retries';

interface Topic {
  log: BusMessage[];
  /** Next offset per consumer group. */
  offsets: Map<string, number>;
  wake: Set<() => void>;
}

/**
 * The embedded default's bus: per-topic logs in memory, consumer groups with offsets, the same retry and
 * dead-letter rules as the Kafka adapter. Nothing survives a restart; the durable state (event store,
 * checkpoints, connector ledger) is what makes the flow resume: the saga republishes from its checkpoint and
 * the outcome timeout re-sends what was lost.
 */
export class InMemoryBus implements MessageBus {
  private readonly logger = new Logger(InMemoryBus.name);
  private readonly topics = new Map<string, Topic>();
  private readonly runHandler;
  private parked = 0;

  constructor(retryPolicy: RetryPolicy) {
    this.runHandler = handlerRetries(retryPolicy);
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    for (const name of topics) {
      this.topic(name);
      this.topic(dlqTopicOf(name));
    }
  }

  async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    const target = this.topic(topic);
    target.log.push(...messages.map((m) => ({ ...m, headers: { ...m.headers } })));
    for (const wake of [...target.wake]) wake();
  }

  async consume({ topic, groupId, handler }: ConsumeOptions): Promise<RunningConsumer> {
    const source = this.topic(topic);
    let stopped = false;
    let wakeUp: (() => void) | null = null;
    const loop = (async () => {
      while (!stopped) {
        const offset = source.offsets.get(groupId) ?? 0;
        if (offset >= source.log.length) {
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            source.wake.add(resolve);
          });
          if (wakeUp) source.wake.delete(wakeUp);
          continue;
        }
        const message = source.log[offset];
        const failure = await this.runHandler(() => handler(message));
        if (failure) await this.park(topic, message, failure);
        source.offsets.set(groupId, offset + 1);
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        wakeUp?.();
        await loop;
      },
    };
  }

  async isReachable(): Promise<boolean> {
    return true;
  }

  deadLettered(): number {
    return this.parked;
  }

  /** Every message published to a topic so far (for tests and the DLQ count). */
  messages(topic: string): readonly BusMessage[] {
    return this.topic(topic).log;
  }

  async close(): Promise<void> {
    for (const topic of this.topics.values()) for (const wake of [...topic.wake]) wake();
  }

  private async park(topic: string, message: BusMessage, error: Error): Promise<void> {
    this.parked += 1;
    this.logger.error(`Message ${message.key} on ${topic} parked on ${dlqTopicOf(topic)}: ${error.message}`);
    await this.publish(dlqTopicOf(topic), [
      { ...message, headers: { ...message.headers, 'dlq-reason': error.message, 'dlq-source-topic': topic } },
    ]);
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { log: [], offsets: new Map(), wake: new Set() };
      this.topics.set(name, topic);
    }
    return topic;
  }
}
