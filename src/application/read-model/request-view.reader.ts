import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { DomainError, provisioningRequestStreamId } from '../../domain/provisioning-request';
import { EVENT_CODEC, EventCodec } from '../event-codec';
import { EVENT_STORE, EventStore } from '../ports/event-store.port';
import { READ_MODEL, ProvisioningRequestReadModel, ProvisioningRequestView } from '../ports/read-model.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../ports/subscriber-checkpoints.port';
import { ProcessorLane } from '../consumers/processor-lane';
import { ServiceConsumer } from '../processing/service-consumer';
import { REQUEST_VIEW_PROJECTION, viewOfStream } from './request-view.projection';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { RequestChanges } from './request-changes';

export type RequestIdentifier = { id: string } | { number: string };

const POLL_MS = 50;
/** While this instance projects, a wait wakes on the projection's write; this only bounds a missed wake-up. */
const SAFETY_POLL_MS = 1_000;
const FOREIGN_PROJECTION_POLL_MS = 200;

/** The one answer for a request the caller may not see, whether it is missing or another organisation's. */
export function notFound(): DomainError {
  return new DomainError('NOT_FOUND', 'No provisioning request has this identifier.', 'provisioning_request_identifier');
}

/** Reads requests from the read model, and waits for the projection where a caller needs its own write. */
@Injectable()
export class RequestViewReader implements BeforeApplicationShutdown {
  constructor(
    @Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel,
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly consumer: ServiceConsumer,
    private readonly changes: RequestChanges,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
  ) {}

  /** The projection as this instance runs it (or stands by for it). */
  private get projection(): ProcessorLane {
    return this.consumer.named(REQUEST_VIEW_PROJECTION) as ProcessorLane;
  }

  private waiting = 0;
  /** Aborted when the service shuts down: every waiting process_immediately call answers with what it has. */
  private readonly shuttingDown = new AbortController();

  beforeApplicationShutdown(): void {
    this.shuttingDown.abort();
  }

  /** The request as `organisation` may see it: another organisation's request is NOT_FOUND, like a missing one. */
  async get(identifier: RequestIdentifier, organisation: string): Promise<ProvisioningRequestView> {
    const view = await this.readModel.findOwned(identifier, organisation);
    if (!view) throw notFound();
    return view;
  }

  /** True once the projection has passed `position`, whether it runs in this process or another one. */
  async waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    // Waits run on the monotonic clock: a step of the wall clock neither cuts them short nor stretches them.
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const local = this.projection.status();
      if (local.position !== null && local.position >= position) return true;
      // Only when another instance runs the projection is its progress in the database alone.
      if (!local.active) {
        const stored = await this.checkpoints.checkpoint(REQUEST_VIEW_PROJECTION);
        if (stored !== null && stored >= position) return true;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.projection.waitFor(position, Math.min(left, POLL_MS * 5));
    }
  }

  /**
   * The request as it stands after a write at `position`: as the local projection stored it (handed over,
   * not read back), or read from the read model when another instance projects. When the projection is
   * slower than `timeoutMs`, the view is folded from this one stream with the projection's own function, so
   * the caller still sees what it wrote.
   */
  async readAfterWrite(requestId: string, position: bigint | null, timeoutMs: number): Promise<ProvisioningRequestView> {
    const watch = this.changes.watch(requestId);
    try {
      const projected = position === null || (await this.waitForPosition(position, timeoutMs));
      if (projected) {
        const view = watch.latest() ?? (await this.readModel.findById(requestId));
        if (view) return view;
      }
    } finally {
      watch.close();
    }
    const events = await this.store.readStream(provisioningRequestStreamId(requestId));
    const view = viewOfStream(events, this.codec);
    if (!view) throw notFound();
    return view;
  }

  /**
   * The request once it is final, or as it stands when `deadline` (`performance.now()` ms) passes, `callerGone`
   * aborts (the caller went away) or the service starts shutting down. Woken by this instance's writes of the
   * view (inline appends, the local projection), which hand the view over; when another instance may write it
   * (it projects, or views are written inline), it also reads the read model every FOREIGN_PROJECTION_POLL_MS. At most
   * `processImmediatelyMaxWaiters` calls wait at once: beyond that a call answers at once with the current
   * state (the request is accepted either way).
   */
  async waitForFinal(requestId: string, deadline: number, callerGone?: AbortSignal): Promise<ProvisioningRequestView> {
    if (this.waiting >= this.settings.processImmediatelyMaxWaiters || this.shuttingDown.signal.aborted) return this.readAfterWrite(requestId, null, 0);
    const abandoned = callerGone ? AbortSignal.any([callerGone, this.shuttingDown.signal]) : this.shuttingDown.signal;
    this.waiting += 1;
    const watch = this.changes.watch(requestId);
    try {
      let view = await this.readModel.findById(requestId);
      for (;;) {
        if (view && view.life_cycle_state !== 'PENDING') return view;
        const left = deadline - performance.now();
        if (left <= 0 || abandoned?.aborted) return view ?? (await this.readAfterWrite(requestId, null, 0));
        // Every change passes through a local projection, unless views are written inline: then another
        // instance's write (an outcome it recorded) is seen only by reading.
        const local = this.projection.status().active && !this.store.writesViewInline;
        const changed = await watch.next(Math.min(left, local ? SAFETY_POLL_MS : FOREIGN_PROJECTION_POLL_MS), abandoned);
        view = changed ? watch.latest() : await this.readModel.findById(requestId);
      }
    } finally {
      watch.close();
      this.waiting -= 1;
    }
  }

  /** process_immediately calls waiting now. */
  waiters(): number {
    return this.waiting;
  }
}
