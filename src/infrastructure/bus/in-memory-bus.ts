import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  BusMessage,
  BusUnavailableError,
  ConsumeOptions,
  LogShipper,
  MessageBus,
  RetryPolicy,
  RunningConsumer,
  ConsumerState,
  dlqTopicOf,
} from '../../application/ports/message-bus.port';
import { handlerRetries, STOPPED_WHILE_WAITING } from './handler-retries';
import { lanesOfMessage, OrderedLanes } from './ordered-lanes';

interface Topic {
  /** Messages not yet handled by every consumer group; `log[0]` has offset `base`. */
  log: BusMessage[];
  base: number;
  /** Next offset per consumer group. */
  offsets: Map<string, number>;
  wake: Set<() => void>;
}

/** Handled messages are cut from the front of a log in batches of at least this many (or half the log). */
const TRIM_BATCH = 256;

/**
 * The embedded default's bus: per-topic logs in memory, consumer groups with offsets, the same retry and
 * dead-letter rules as the Kafka adapter. Memory stays bounded: a log keeps only what some consumer group
 * has not handled yet, and a topic nobody consumes keeps nothing (a group sees what is published after it
 * joins). Nothing survives a restart; the durable state (event store, checkpoints, connector ledger) is what
 * makes the flow resume: the saga republishes from its checkpoint and the outcome timeout re-sends what
 * was lost.
 */
export class InMemoryBus implements MessageBus {
  private readonly logger = new Logger(InMemoryBus.name);
  private readonly topics = new Map<string, Topic>();
  private readonly runHandler;
  private parked = 0;
  private readonly tracked = new Set<{ topic: string; groupId: string; handled: number; deadLettered: number }>();
  /** Per log-shipping writer: its latest generation (fencing) and the position of its last publish. */
  private readonly writers = new Map<string, { generation: number; position: bigint | null }>();

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
    if (target.offsets.size === 0) return; // no consumer: nothing to keep
    target.log.push(...messages.map((m) => ({ ...m, headers: { ...m.headers } })));
    for (const wake of [...target.wake]) wake();
  }

  /** Same contract as Kafka's, for the life of this process (the in-process topics keep nothing longer). */
  async openLogShipper(topic: string, writer: string): Promise<LogShipper> {
    const key = `${topic}\u0000${writer}`;
    const state = this.writers.get(key) ?? { generation: 0, position: null };
    const generation = (state.generation += 1);
    this.writers.set(key, state);
    return {
      committedPosition: state.position,
      publish: async (messages, position) => {
        if (state.generation !== generation) throw new BusUnavailableError(`log shipper ${writer} was fenced by a newer one`);
        await this.publish(topic, messages);
        state.position = position;
      },
      close: async () => undefined,
    };
  }

  async consume({ topic, groupId, handler, concurrency }: ConsumeOptions): Promise<RunningConsumer> {
    const source = this.topic(topic);
    if (!source.offsets.has(groupId)) source.offsets.set(groupId, source.base + source.log.length);
    let stopped = false;
    let wakeUp: (() => void) | null = null;
    const tracked = { topic, groupId, handled: 0, deadLettered: 0 };
    this.tracked.add(tracked);
    const lanes = new OrderedLanes(concurrency?.max ?? 1);
    // The group's offset is the first message not yet handled; `next` is the first not yet taken.
    let next = source.offsets.get(groupId) as number;
    const unfinished = new Set<number>();
    const loop = (async () => {
      while (!stopped) {
        if (next >= source.base + source.log.length) {
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            source.wake.add(resolve);
          });
          if (wakeUp) source.wake.delete(wakeUp);
          continue;
        }
        const offset = next++;
        const message = source.log[offset - source.base];
        unfinished.add(offset);
        await lanes.submit(lanesOfMessage(message, concurrency), async () => {
          const failure = await this.runHandler(() => handler(message), () => stopped);
          if (failure === STOPPED_WHILE_WAITING) return; // not handled: its offset stays
          if (failure) {
            await this.park(topic, message, failure);
            tracked.deadLettered += 1;
          }
          unfinished.delete(offset);
          tracked.handled += 1;
          source.offsets.set(groupId, unfinished.size === 0 ? next : Math.min(...unfinished));
          this.trim(source);
        });
      }
      await lanes.idle();
    })();
    return {
      stop: async () => {
        stopped = true;
        wakeUp?.();
        await loop;
        this.tracked.delete(tracked);
      },
    };
  }

  async notReadyBecause(): Promise<string | null> {
    return null;
  }

  deadLettered(): number {
    return this.parked;
  }

  brokerRequests(): ReadonlyMap<string, number> {
    return new Map();
  }

  async consumerStates(): Promise<ConsumerState[]> {
    return [...this.tracked].map((tracked) => {
      const topic = this.topic(tracked.topic);
      return { ...tracked, joined: true, lag: topic.base + topic.log.length - (topic.offsets.get(tracked.groupId) ?? topic.base) };
    });
  }

  /** How many messages the bus holds in all (what the soak benchmark watches). */
  retained(): number {
    let total = 0;
    for (const topic of this.topics.values()) total += topic.log.length;
    return total;
  }

  async close(): Promise<void> {
    for (const topic of this.topics.values()) for (const wake of [...topic.wake]) wake();
  }

  /** Drops the messages every group has handled. */
  private trim(topic: Topic): void {
    const handledUpTo = Math.min(...topic.offsets.values());
    const handled = handledUpTo - topic.base;
    if (handled <= 0 || (handled < TRIM_BATCH && handled * 2 < topic.log.length && handled < topic.log.length)) return;
    topic.log.splice(0, handled);
    topic.base = handledUpTo;
  }

  private async park(topic: string, message: BusMessage, error: Error): Promise<void> {
    this.parked += 1;
    this.logger.error(`Message ${message.key} on ${topic} parked on ${dlqTopicOf(topic)}: ${error.message}`);
    await this.publish(dlqTopicOf(topic), [
      { ...message, headers: { ...message.headers, 'dlq-reason': error.message, 'dlq-source-topic': topic, 'dlq-id': randomUUID(), 'dlq-parked-at': new Date().toISOString() } },
    ]);
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { log: [], base: 0, offsets: new Map(), wake: new Set() };
      this.topics.set(name, topic);
    }
    return topic;
  }
}
