import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Consumer, KafkaMessage } from 'kafkajs';
import { BusMessage, ConsumerState, ConsumeOptions, dlqTopicOf, RunningConsumer } from '../../application/ports/message-bus.port';
import { handlerRetries, STOPPED_WHILE_WAITING } from '../bus/handler-retries';
import { lanesOfMessage, OrderedLanes } from '../bus/ordered-lanes';
import { KafkaConnection } from './kafka-connection';
import { KafkaSender } from './kafka-sender';

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return headers;
}

const HEARTBEAT_DURING_HANDLER_MS = 3000;
const COMMIT_AT_LEAST_EVERY_MS = 1000;
/** A consumer whose start failed (broker down at boot) tries again after this long. */
const CONSUMER_START_RETRY_MS = 5_000;

/**
 * The bus's consumers: each commits an offset only after the handler (or the dead-letter publish) is done,
 * once per fetched batch; a message whose handler keeps failing is parked on the topic's dead-letter twin.
 */
export class KafkaConsumers {
  private readonly logger = new Logger('KafkaBus');
  private readonly consumers = new Set<Consumer>();
  /** Whether each consumer has joined its group (and not crashed since). */
  private readonly joined = new Map<Consumer, boolean>();
  /** What operators see of each consumer (consumerStates). */
  private readonly tracked = new Map<Consumer, { topic: string; groupId: string; handled: number; deadLettered: number }>();
  private readonly runHandler;
  private parked = 0;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly sender: KafkaSender,
  ) {
    this.runHandler = handlerRetries(connection.options.retry);
  }

  async consume({ topic, groupId, handler, concurrency }: ConsumeOptions): Promise<RunningConsumer> {
    await this.connection.connect();
    const sessionTimeout = this.connection.options.sessionTimeoutMs ?? 30_000;
    const consumer = this.connection.kafka.consumer({ groupId, sessionTimeout, heartbeatInterval: Math.min(HEARTBEAT_DURING_HANDLER_MS, sessionTimeout / 10), retry: { retries: 10 } });
    this.consumers.add(consumer);
    this.joined.set(consumer, false);
    const tracked = { topic, groupId, handled: 0, deadLettered: 0 };
    this.tracked.set(consumer, tracked);
    consumer.on(consumer.events.GROUP_JOIN, () => this.joined.set(consumer, true));
    consumer.on(consumer.events.CRASH, () => this.joined.set(consumer, false));
    consumer.on(consumer.events.REQUEST, this.connection.countRequest);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // With a concurrency option the limit and the lanes span every partition this consumer holds; without one,
    // each partition's batch is handled one message at a time, partitions side by side.
    const shared = concurrency ? new OrderedLanes(concurrency.max) : null;
    const running: Parameters<Consumer['run']>[0] = {
      autoCommit: false,
      // Offsets are resolved here, one per handled message, never for a batch left half done.
      eachBatchAutoResolve: false,
      // Partitions are handled side by side; within one partition (so for one request key) strictly in order.
      partitionsConsumedConcurrently: this.connection.options.partitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        // One offset commit per fetched batch (a commit is a broker round trip), and at least every
        // COMMIT_AT_LEAST_EVERY_MS during a long one, so a crash redelivers little; the handlers are idempotent.
        let uncommitted: string | null = null;
        let lastCommit = performance.now();
        const commit = async () => {
          if (uncommitted === null) return;
          // With explicit offsets this commits at once, also while the consumer is stopping (consumer.commitOffsets
          // silently drops a commit once stop() has begun, which would redeliver the whole last batch).
          await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition: batch.partition, offset: (BigInt(uncommitted) + 1n).toString() }] }] });
          uncommitted = null;
          lastCommit = performance.now();
        };
        // Handlers run side by side up to the consumer's concurrency (in order per key and lane, across the
        // partitions this consumer holds); an offset is resolved only once it and every message before it in
        // the batch were handled.
        const lanes = shared ?? new OrderedLanes(1);
        const ended: Promise<void>[] = [];
        const taken: { offset: string; handled: boolean }[] = [];
        const resolveHandled = () => {
          while (taken.length > 0 && taken[0].handled) {
            const { offset } = taken.shift()!;
            resolveOffset(offset);
            uncommitted = offset;
          }
        };
        try {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            const busMessage: BusMessage = {
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              headers: headersOf(message),
            };
            const entry = { offset: message.offset, handled: false };
            taken.push(entry);
            const task = await lanes.submit(lanesOfMessage(busMessage, concurrency), async () => {
              // Only the handler is retried: a broker-side hiccup (rebalance, commit) must never park a message
              // that was handled; it makes kafkajs redeliver instead, which the idempotent handlers absorb.
              // A long handler (a Conax call with retries) keeps the membership alive, so the group does not hand
              // this message to another consumer while it is still being handled here.
              const beating = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_DURING_HANDLER_MS);
              let failure: Awaited<ReturnType<typeof this.runHandler>>;
              try {
                failure = await this.runHandler(() => handler(busMessage), () => !isRunning() || isStale());
              } finally {
                clearInterval(beating);
              }
              if (failure === STOPPED_WHILE_WAITING) return; // not handled: never resolved, delivered again
              if (failure) {
                await this.park(topic, busMessage, failure);
                tracked.deadLettered += 1;
              }
              entry.handled = true;
              tracked.handled += 1;
              resolveHandled();
            });
            ended.push(task.ended);
            if (performance.now() - lastCommit >= COMMIT_AT_LEAST_EVERY_MS) await commit();
            // As kafkajs does after each message of eachMessage (it sends one only when the heartbeat interval has
            // passed). kafkajs learns that the group is rebalancing only from a heartbeat's answer: without one per
            // message, a long batch of short handlers would hold the whole group's rebalance until it ends. A
            // heartbeat refused for a rebalance ends the batch; what was handled is committed first.
            await heartbeat();
          }
        } catch (error) {
          await Promise.all(ended);
          await commit().catch(() => undefined);
          throw error;
        }
        await Promise.all(ended);
        await commit();
      },
    };
    // Joining the group is not awaited: after a crash the broker holds the rebalance until the dead member's
    // session times out (30 s), and the service must be live, and take creates, long before that. Readiness
    // names the consumers still joining; a start that fails is tried again until the consumer is stopped.
    let stopped = false;
    void (async () => {
      while (!stopped) {
        try {
          await consumer.run(running);
          return;
        } catch (error) {
          if (stopped) return;
          this.logger.error(`The consumer of ${topic} (group ${groupId}) could not start (${(error as Error).message}); trying again in ${CONSUMER_START_RETRY_MS} ms.`);
          await new Promise((resolve) => setTimeout(resolve, CONSUMER_START_RETRY_MS));
        }
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        // kafkajs' disconnect stops fetching, waits for the message in hand, then leaves the group.
        await consumer.disconnect();
        this.consumers.delete(consumer);
        this.joined.delete(consumer);
        this.tracked.delete(consumer);
      },
    };
  }

  /** The consumers that have not joined their groups yet, named for readiness. */
  stillJoining(): string[] {
    return [...this.tracked.entries()].filter(([consumer]) => !this.joined.get(consumer)).map(([, t]) => `${t.topic} (${t.groupId})`);
  }

  deadLettered(): number {
    return this.parked;
  }

  /** Lag from the broker: the topic's end offsets minus the group's committed offsets, per partition. */
  async consumerStates(): Promise<ConsumerState[]> {
    return Promise.all(
      [...this.tracked.entries()].map(async ([consumer, tracked]) => ({
        ...tracked,
        joined: this.joined.get(consumer) ?? false,
        lag: await this.lagOf(tracked.topic, tracked.groupId).catch(() => null),
      })),
    );
  }

  private async lagOf(topic: string, groupId: string): Promise<number> {
    const [ends, committed] = await Promise.all([this.connection.admin.fetchTopicOffsets(topic), this.connection.admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const end of ends) {
      const at = done.get(end.partition) ?? -1n;
      const from = at < 0n ? BigInt(end.low) : at;
      if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
    }
    return Number(lag);
  }

  async closeAll(): Promise<void> {
    for (const consumer of [...this.consumers]) await consumer.disconnect().catch(() => undefined);
  }

  private async park(topic: string, message: BusMessage, error: Error): Promise<void> {
    this.parked += 1;
    this.logger.error(`Message ${message.key} on ${topic} parked on ${dlqTopicOf(topic)}: ${error.message}`);
    await this.sender.publish(dlqTopicOf(topic), [
      { ...message, headers: { ...message.headers, 'dlq-reason': error.message.slice(0, 500), 'dlq-source-topic': topic, 'dlq-id': randomUUID(), 'dlq-parked-at': new Date().toISOString() } },
    ]);
  }
}
