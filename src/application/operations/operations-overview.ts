import { Inject, Injectable } from '@nestjs/common';
import { PROVISIONING_REQUEST_STREAM_PREFIX } from '../../domain/provisioning-request';
import { CATALOGUE, Catalogue } from '../ports/catalogue.port';
import { EVENT_STORE, EventStore } from '../ports/event-store.port';
import { MESSAGE_BUS, MessageBus } from '../ports/message-bus.port';
import { READ_MODEL, ProvisioningRequestReadModel, describeConaxQueue, ProvisioningRequestView } from '../ports/read-model.port';
import { CLOCK, Clock } from '../ports/clock.port';
import { ProcessingRun, ProcessingRunStatus } from '../processing/processing-run';
import { ServiceConsumer } from '../processing/service-consumer';
import { ParkedWork } from './parked-work';

export interface SubscriberOverview {
  name: string;
  position: string | null;
  head: string | null;
  /** Events between the subscriber's position and the head of the log it follows. */
  lag: number | null;
  caught_up: boolean;
  active: boolean;
  parked_here: number;
  last_error: string | null;
}

export interface HourBucket {
  /** Start of the hour, ISO-8601 UTC. */
  hour: string;
  created: { PENDING: number; COMPLETED: number; REJECTED: number };
  /** From the (last) dispatch to the recorded outcome, of requests that became final in this hour. */
  dispatch_to_outcome_ms: { p50: number | null; p95: number | null; count: number };
}

const HOUR_MS = 3_600_000;
/** How many of the newest requests the charts look at. */
export const CHART_SAMPLE = 5_000;
/** Read this many at a time: only their chart fields are kept, so full-size documents never pile up in memory. */
const CHART_PAGE = 250;

/** What the charts need of a request. */
export interface ChartSample {
  life_cycle_state: ProvisioningRequestView['life_cycle_state'];
  created_date: string;
  updated_date: string;
  last_dispatched_at: string | null;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Requests per state by hour of creation, and dispatch-to-outcome latency by hour of outcome, over `hours`. */
export function hourlyBuckets(samples: readonly ChartSample[], now: Date, hours: number): HourBucket[] {
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
  const start = end - hours * HOUR_MS;
  const buckets = Array.from({ length: hours }, (_, i) => ({
    hour: new Date(start + i * HOUR_MS).toISOString(),
    created: { PENDING: 0, COMPLETED: 0, REJECTED: 0 },
    latencies: [] as number[],
  }));
  const indexOf = (iso: string | null) => {
    if (!iso) return -1;
    const at = Date.parse(iso);
    return at >= start && at < end ? Math.floor((at - start) / HOUR_MS) : -1;
  };
  for (const sample of samples) {
    const created = indexOf(sample.created_date);
    if (created >= 0) buckets[created].created[sample.life_cycle_state] += 1;
    if (sample.life_cycle_state !== 'PENDING' && sample.last_dispatched_at) {
      const finished = indexOf(sample.updated_date);
      const latency = Date.parse(sample.updated_date) - Date.parse(sample.last_dispatched_at);
      if (finished >= 0 && latency >= 0) buckets[finished].latencies.push(latency);
    }
  }
  return buckets.map(({ hour, created, latencies }) => {
    const sorted = latencies.sort((a, b) => a - b);
    return { hour, created, dispatch_to_outcome_ms: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), count: sorted.length } };
  });
}

function processingRunOverview(status: ProcessingRunStatus) {
  const tick = status.lastTick;
  return {
    interval_ms: status.intervalMs,
    scheduled: status.scheduled,
    running: status.running,
    last_tick: tick && { at: tick.at, result: tick.result, run_id: tick.runId, sent: tick.sent, timed_out: tick.timedOut, error: tick.error },
  };
}

/** What an operator needs at a glance (SPEC §2: operations role only; it spans organisations). */
@Injectable()
export class OperationsOverview {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    private readonly consumer: ServiceConsumer,
    private readonly processingRun: ProcessingRun,
    private readonly parkedWork: ParkedWork,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async status(): Promise<{
    subscribers: SubscriberOverview[];
    processing_run: {
      interval_ms: number;
      scheduled: boolean;
      running: boolean;
      last_tick: { at: string; result: string; run_id: string | null; sent: number; timed_out: number; error: string | null } | null;
    };
    bus: { reachable: boolean; dead_lettered_here: number; dead_letter_topics: string[] };
    consumers: { topic: string; group_id: string; joined: boolean; handled: number; dead_lettered: number; lag: number | null }[];
    parked: { events: number; messages: number };
    catalogue: { services: number; smartcards: number };
    conax_queue: { waiting: number; oldest_waiting_seconds: number };
  }> {
    const head = await this.store.headPosition([PROVISIONING_REQUEST_STREAM_PREFIX]);
    const now = this.clock.now();
    const [reachable, consumers, parked, catalogue, queue] = await Promise.all([
      this.bus.notReadyBecause().then((reason) => reason === null, () => false),
      this.bus.consumerStates().catch(() => []),
      this.parkedWork.list(),
      this.catalogue.counts(),
      this.readModel.conaxQueue(now),
    ]);
    return {
      subscribers: this.consumer.statuses().map((s) => ({
        name: s.name,
        position: s.position?.toString() ?? null,
        head: head?.toString() ?? null,
        lag: head === null ? 0 : s.position === null ? null : Number(head - s.position),
        caught_up: s.caughtUp,
        active: s.active,
        parked_here: s.parked,
        last_error: s.lastError,
      })),
      processing_run: processingRunOverview(this.processingRun.status()),
      bus: { reachable, dead_lettered_here: this.bus.deadLettered(), dead_letter_topics: this.parkedWork.deadLetterTopics() },
      consumers: consumers.map((c) => ({ topic: c.topic, group_id: c.groupId, joined: c.joined, handled: c.handled, dead_lettered: c.deadLettered, lag: c.lag })),
      parked: { events: parked.events.length, messages: parked.messages.length },
      catalogue,
      conax_queue: describeConaxQueue(queue, now),
    };
  }

  async charts(now: Date, hours: number): Promise<HourBucket[]> {
    const samples: ChartSample[] = [];
    for (let offset = 0; offset < CHART_SAMPLE; offset += CHART_PAGE) {
      const page = await this.readModel.newest(Math.min(CHART_PAGE, CHART_SAMPLE - offset), offset);
      for (const view of page) {
        samples.push({
          life_cycle_state: view.life_cycle_state,
          created_date: view.log_information.created_date,
          updated_date: view.log_information.updated_date,
          last_dispatched_at: view.internal.last_dispatched_at,
        });
      }
      if (page.length < CHART_PAGE) break;
    }
    return hourlyBuckets(samples, now, hours);
  }
}
