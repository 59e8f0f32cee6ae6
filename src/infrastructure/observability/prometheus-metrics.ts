import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EventStore } from '../../application/ports/event-store.port';
import { MessageBus } from '../../application/ports/message-bus.port';
import { ServiceMetrics } from '../../application/ports/metrics.port';
import { Clock } from '../../application/ports/clock.port';
import { ProvisioningRequestReadModel, describeConaxQueue } from '../../application/ports/read-model.port';
import { ProcessorLane } from '../../application/consumers/processor-lane';

/** Prometheus metrics of one process, served at GET /metrics. */
export class PrometheusMetrics implements ServiceMetrics {
  readonly registry = new Registry();
  private readonly commandSeconds = new Histogram({
    name: 'conax_command_duration_seconds',
    help: 'Time to load, decide and append one command, by command and result.',
    labelNames: ['command', 'result'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly appended = new Counter({ name: 'conax_events_appended_total', help: 'Events appended to the event store.', registers: [this.registry] });
  private readonly conflicts = new Counter({
    name: 'conax_append_conflicts_total',
    help: 'Appends refused for a wrong expected revision (then retried).',
    registers: [this.registry],
  });
  private readonly dispatches = new Counter({ name: 'conax_dispatches_total', help: 'Dispatch messages published to the connector.', registers: [this.registry] });
  private readonly outcomes = new Counter({
    name: 'conax_outcomes_total',
    help: 'Conax outcomes handled, by result (accepted, rejected, ignored).',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  commandHandled(command: string, seconds: number, result: string): void {
    this.commandSeconds.observe({ command, result }, seconds);
  }
  eventsAppended(count: number): void {
    this.appended.inc(count);
  }
  appendConflict(): void {
    this.conflicts.inc();
  }
  dispatchPublished(): void {
    this.dispatches.inc();
  }
  outcomeRecorded(result: 'accepted' | 'rejected' | 'unanswered' | 'ignored'): void {
    this.outcomes.inc({ result });
  }

  /** Lag and checkpoint age of each subscriber, computed when Prometheus scrapes. */
  watchSubscribers(subscribers: readonly ProcessorLane[], store: EventStore, prefixes: readonly string[]): void {
    const lastProgress = new Map<string, { position: bigint | null; at: number }>();
    new Gauge({
      name: 'conax_subscriber_lag_events',
      help: 'How far behind the newest event a subscriber is (positions; 0 = caught up). Only on the active instance.',
      labelNames: ['subscriber'],
      registers: [this.registry],
      async collect() {
        const head = await store.headPosition(prefixes).catch(() => null);
        for (const subscriber of subscribers) {
          const status = subscriber.status();
          if (!status.active) continue;
          const lag = head === null ? 0n : head - (status.position ?? 0n);
          this.set({ subscriber: status.name }, Number(lag > 0n ? lag : 0n));
        }
      },
    });
    new Gauge({
      name: 'conax_subscriber_checkpoint_age_seconds',
      help: 'Seconds since the subscriber last moved its checkpoint while behind (0 when caught up).',
      labelNames: ['subscriber'],
      registers: [this.registry],
      collect() {
        const now = Date.now();
        for (const subscriber of subscribers) {
          const status = subscriber.status();
          if (!status.active) continue;
          const previous = lastProgress.get(status.name);
          if (!previous || previous.position !== status.position) lastProgress.set(status.name, { position: status.position, at: now });
          const age = status.caughtUp ? 0 : (now - (lastProgress.get(status.name)?.at ?? now)) / 1000;
          this.set({ subscriber: status.name }, age);
        }
      },
    });
    new Gauge({
      name: 'conax_subscriber_active',
      help: '1 when this instance runs the subscriber (holds its lease).',
      labelNames: ['subscriber'],
      registers: [this.registry],
      collect() {
        for (const subscriber of subscribers) this.set({ subscriber: subscriber.status().name }, subscriber.status().active ? 1 : 0);
      },
    });
    new Gauge({
      name: 'conax_subscriber_parked_events',
      help: 'Events this instance parked since it started because a subscriber kept failing on them.',
      labelNames: ['subscriber'],
      registers: [this.registry],
      collect() {
        for (const subscriber of subscribers) this.set({ subscriber: subscriber.status().name }, subscriber.status().parked);
      },
    });
  }

  /** The requests waiting for Conax (pending and due), read from the read model when Prometheus scrapes. */
  watchConaxQueue(readModel: ProvisioningRequestReadModel, clock: Clock): void {
    // Both gauges are collected in the same scrape: one read of the read model serves the two.
    let reading: Promise<ReturnType<typeof describeConaxQueue> | null> | null = null;
    const read = () =>
      (reading ??= (async () => describeConaxQueue(await readModel.conaxQueue(clock.now()), clock.now()))()
        .catch(() => null)
        .finally(() => (reading = null)));
    new Gauge({
      name: 'conax_queue_requests',
      help: 'Requests that are pending and due: sent to the connector or about to be, with no outcome yet.',
      registers: [this.registry],
      async collect() {
        const queue = await read();
        if (queue) this.set(queue.waiting);
      },
    });
    new Gauge({
      name: 'conax_queue_oldest_age_seconds',
      help: 'Seconds since the oldest request waiting for Conax became due (0 when none waits).',
      registers: [this.registry],
      async collect() {
        const queue = await read();
        if (queue) this.set(queue.oldest_waiting_seconds);
      },
    });
  }

  watchBus(bus: MessageBus): void {
    new Gauge({
      name: 'conax_dead_lettered_messages',
      help: 'Messages this process parked on dead-letter topics since it started.',
      registers: [this.registry],
      collect() {
        this.set(bus.deadLettered());
      },
    });
    new Gauge({
      name: 'conax_broker_requests',
      help: 'Requests this process has sent to the Kafka broker since it started, by API (Produce, Fetch, OffsetCommit, EndTxn, ...).',
      labelNames: ['api'],
      registers: [this.registry],
      collect() {
        for (const [api, count] of bus.brokerRequests()) this.set({ api }, count);
      },
    });
  }
}
