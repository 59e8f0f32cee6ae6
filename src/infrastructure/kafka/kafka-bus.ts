import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { Admin, Consumer, Kafka, KafkaMessage, logLevel, Producer } from 'kafkajs';
import {
  BusMessage,
  BusUnavailableError,
  ConsumerState,
  ConsumeOptions,
  LogShipper,
  MessageBus,
  RetryPolicy,
  RunningConsumer,
  dlqTopicOf,
} from '../../application/ports/message-bus.port';
import { handlerRetries, STOPPED_WHILE_WAITING } from '../bus/handler-retries';
import { lanesOfMessage, OrderedLanes } from '../bus/ordered-lanes';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  retry: RetryPolicy;
  /** How long the group waits for a silent consumer before handing its partitions on (tests shorten it). */
  sessionTimeoutMs?: number;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return headers;
}

/**
 * Kafka through kafkajs; kafkajs is barely maintained, so it stays inside this file. The producer is
 * idempotent with acks=-1 (all in-sync replicas) and one request in flight, so per-key order survives
 * retries. Consumers commit an offset only after the handler (or the dead-letter publish) is done, once per
 * fetched batch.
 */
const HEARTBEAT_DURING_HANDLER_MS = 3000;
const COMMIT_AT_LEAST_EVERY_MS = 1000;
/** How often the topics this process uses are checked for existence (a deleted one is created again). */
const TOPIC_CHECK_INTERVAL_MS = 5_000;
/** A consumer whose start failed (broker down at boot) tries again after this long. */
const CONSUMER_START_RETRY_MS = 5_000;
/** Kafka refuses a record batch over `message.max.bytes` (1 MiB by default): larger sends go in several requests. */
const MAX_SEND_REQUEST_BYTES = 256 * 1024;

const sizeOf = (message: BusMessage) => Buffer.byteLength(message.value) + Buffer.byteLength(message.key) + 64;
const toKafka = (messages: readonly BusMessage[]) => messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));

function chunksOf(messages: readonly BusMessage[], maxBytes: number): BusMessage[][] {
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

export class KafkaBus implements MessageBus {
  private readonly logger = new Logger(KafkaBus.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly consumers = new Set<Consumer>();
  private readonly shippers = new Set<Producer>();
  /** Whether each consumer has joined its group (and not crashed since). */
  private readonly joined = new Map<Consumer, boolean>();
  private readonly runHandler;
  private readonly topicRetries = retry(handleAll, { maxAttempts: 20, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) });
  private connected: Promise<void> | null = null;
  /** Every topic this process uses (with its dead-letter topic): recreated when deleted under it. */
  private readonly owned = new Set<string>();
  private topicGuard: NodeJS.Timeout | null = null;
  private recreating: Promise<void> | null = null;
  private parked = 0;
  /** Publishes that arrived while a send was in flight, in arrival order (see sendWaiting). */
  private readonly waiting: WaitingSend[] = [];
  private sending = false;
  /** Requests sent to the broker by every client of this bus, by API name (kafkajs' request instrumentation). */
  private readonly requests = new Map<string, number>();
  private readonly countRequest = ({ payload }: { payload: { apiName: string } }) => {
    this.requests.set(payload.apiName, (this.requests.get(payload.apiName) ?? 0) + 1);
  };
  /** What operators see of each consumer (consumerStates). */
  private readonly tracked = new Map<Consumer, { topic: string; groupId: string; handled: number; deadLettered: number }>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    this.producer.on(this.producer.events.REQUEST, this.countRequest);
    this.admin.on(this.admin.events.REQUEST, this.countRequest);
    this.runHandler = handlerRetries(options.retry);
  }

  private connect(): Promise<void> {
    if (!this.connected) {
      this.connected = Promise.all([this.producer.connect(), this.admin.connect()]).then(() => undefined);
      this.connected.catch(() => (this.connected = null));
    }
    return this.connected;
  }

  /**
   * Creates missing topics, then waits until every partition has a leader. kafkajs' own `waitForLeaders`
   * fails with "This server does not host this topic-partition" when metadata lags behind a creation (seen
   * when several clients create topics at once), so the wait is done here, with bounded retries.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => [t, dlqTopicOf(t)]))];
    for (const topic of wanted) this.owned.add(topic);
    this.topicGuard ??= setInterval(() => void this.notReadyBecause().catch(() => undefined), TOPIC_CHECK_INTERVAL_MS).unref();
    await this.createMissing(wanted);
  }

  private async createMissing(wanted: readonly string[]): Promise<void> {
    await this.topicRetries.execute(async () => {
      await this.connect();
      const existing = new Set(await this.admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length) {
        await this.admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.options.partitions,
            replicationFactor: this.options.replicationFactor,
          })),
        });
      }
      const { topics: described } = await this.admin.fetchTopicMetadata({ topics: [...wanted] });
      const leaderless = described.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length) throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
    });
  }

  async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.connect();
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
              await this.producer.send({ topic: group[0].topic, acks: -1, messages: toKafka(chunk) });
            }
          } else {
            await this.producer.sendBatch({ acks: -1, topicMessages: group.map((send) => ({ topic: send.topic, messages: toKafka(send.messages) })) });
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

  /**
   * A transactional producer whose transactional id is the writer's name plus the topic (the same on every
   * instance of one deployment; two deployments sharing a cluster use different topics):
   * initialising it bumps the producer epoch, which aborts a pending transaction of an earlier shipper and
   * fences it for good. The position travels as the committed offset of a consumer group named after the
   * writer (partition 0 of the topic), written in the same transaction as the messages, so a reader sees
   * both or neither. Consumers read with isolation read_committed (kafkajs' default).
   */
  async openLogShipper(topic: string, writer: string): Promise<LogShipper> {
    const transactionalId = `${writer}.${topic}`;
    const groupId = `${transactionalId}.position`;
    // The broker finishes a commit asynchronously; the next transaction's first request is refused with
    // CONCURRENT_TRANSACTIONS until it has. Java's client retries that after 20 ms; kafkajs' client-wide
    // 200 ms first retry would add that much to every other batch.
    const producer = this.kafka.producer({ retry: { initialRetryTime: 20, retries: 12, maxRetryTime: 2000 }, transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    producer.on(producer.events.REQUEST, this.countRequest);
    try {
      await this.connect();
      await producer.connect();
      this.shippers.add(producer);
      // The first transaction initialises the producer id: that is the fencing step, before the position is read.
      await (await producer.transaction()).abort();
      const [offsets] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
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

  async consume({ topic, groupId, handler, concurrency }: ConsumeOptions): Promise<RunningConsumer> {
    await this.connect();
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    const consumer = this.kafka.consumer({ groupId, sessionTimeout, heartbeatInterval: Math.min(HEARTBEAT_DURING_HANDLER_MS, sessionTimeout / 10), retry: { retries: 10 } });
    this.consumers.add(consumer);
    this.joined.set(consumer, false);
    const tracked = { topic, groupId, handled: 0, deadLettered: 0 };
    this.tracked.set(consumer, tracked);
    consumer.on(consumer.events.GROUP_JOIN, () => this.joined.set(consumer, true));
    consumer.on(consumer.events.CRASH, () => this.joined.set(consumer, false));
    consumer.on(consumer.events.REQUEST, this.countRequest);
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
      partitionsConsumedConcurrently: this.options.partitions,
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

  /**
   * Ready: the cluster answers, every topic this process uses exists, and every consumer of this process has
   * joined its group. A topic that was deleted under the running service is created again here (also every
   * TOPIC_CHECK_INTERVAL_MS): its consumers start over from its beginning, and the service's outcome timeout
   * re-sends what was on it.
   */
  async notReadyBecause(): Promise<string | null> {
    let existing: Set<string>;
    try {
      await this.connect();
      existing = new Set(await this.admin.listTopics());
    } catch {
      return 'the Kafka cluster does not answer';
    }
    const missing = [...this.owned].filter((topic) => !existing.has(topic));
    if (missing.length) {
      this.logger.error(`Topics missing on the cluster (deleted?): ${missing.join(', ')}; creating them again.`);
      this.recreating ??= this.createMissing(missing)
        .catch((error) => this.logger.error(`Could not create ${missing.join(', ')} again: ${(error as Error).message}`))
        .finally(() => (this.recreating = null));
      return `topics missing, being created again: ${missing.join(', ')}`;
    }
    const joining = [...this.tracked.entries()].filter(([consumer]) => !this.joined.get(consumer)).map(([, t]) => `${t.topic} (${t.groupId})`);
    return joining.length ? `consumers still joining their groups: ${joining.join(', ')}` : null;
  }

  deadLettered(): number {
    return this.parked;
  }

  brokerRequests(): ReadonlyMap<string, number> {
    return this.requests;
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
    const [ends, committed] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const end of ends) {
      const at = done.get(end.partition) ?? -1n;
      const from = at < 0n ? BigInt(end.low) : at;
      if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
    }
    return Number(lag);
  }

  async close(): Promise<void> {
    if (this.topicGuard) clearInterval(this.topicGuard);
    for (const consumer of [...this.consumers]) await consumer.disconnect().catch(() => undefined);
    for (const shipper of [...this.shippers]) await shipper.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private async park(topic: string, message: BusMessage, error: Error): Promise<void> {
    this.parked += 1;
    this.logger.error(`Message ${message.key} on ${topic} parked on ${dlqTopicOf(topic)}: ${error.message}`);
    await this.publish(dlqTopicOf(topic), [
      { ...message, headers: { ...message.headers, 'dlq-reason': error.message.slice(0, 500), 'dlq-source-topic': topic, 'dlq-id': randomUUID(), 'dlq-parked-at': new Date().toISOString() } },
    ]);
  }
}
