import { Inject, Injectable, Logger } from '@nestjs/common';
import { isCreationEvent, PROVISIONING_REQUEST_STREAM_PREFIX, requestIdOfStream } from '../../domain/provisioning-request';
import { decodeEvent } from '../event-codec';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { LEASE_STORE, LeaseStore } from '../ports/lease.port';
import { EVENT_STORE, EventStore, RecordedEvent } from '../ports/event-store.port';
import { MESSAGE_BUS, MessageBus } from '../ports/message-bus.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../ports/subscriber-checkpoints.port';
import { SERVICE_METRICS, ServiceMetrics } from '../ports/metrics.port';
import { ProvisioningRequestStreams } from '../provisioning-request-streams';
import { CatchUpHandler, CatchUpSubscriber } from '../subscriptions/catch-up-subscriber';
import { systemContext } from '../system-user';
import { conaxCallOf } from '../request-types/conax-call';
import { DISPATCH_SCHEMA, DispatchMessage } from './messages';
import { RequestDispatcher } from './request-dispatcher';

/**
 * The dispatch saga, fed from the event store (not the in-memory EventBus) with its own checkpoint:
 * - a creation event (any request type) with process_immediately → decide Dispatch at once;
 * - RequestDispatched → publish the dispatch message (key = request id) to the connector.
 * Redelivery is harmless: Dispatch decides nothing twice, and a dispatch message is not republished for a
 * request that is already final or has been sent again since.
 */
@Injectable()
export class DispatchSaga implements CatchUpHandler {
  readonly name = 'dispatch_saga';
  readonly streamPrefixes = [PROVISIONING_REQUEST_STREAM_PREFIX];
  readonly subscriber: CatchUpSubscriber;
  private readonly logger = new Logger(DispatchSaga.name);

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(LEASE_STORE) leases: LeaseStore,
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(SERVICE_METRICS) private readonly metrics: ServiceMetrics,
    private readonly streams: ProvisioningRequestStreams,
    private readonly dispatcher: RequestDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.subscriber = new CatchUpSubscriber(store, this, { leases, owner: settings.instanceId, ttlMs: settings.subscriberLeaseTtlMs });
  }

  loadCheckpoint(): Promise<bigint | null> {
    return this.checkpoints.checkpoint(this.name);
  }

  park(recorded: RecordedEvent, reason: string): Promise<void> {
    return this.checkpoints.parkEvent(this.name, recorded, reason);
  }

  /**
   * Reacts to each event in order. A publication is recorded with the checkpoint at its own event, so the
   * outcome timeout starts when it really left; events that need no reaction (most of them) only move the
   * checkpoint, once, at the end of the batch. A crash in between replays from the last checkpoint, and the
   * reactions are idempotent (Dispatch decides nothing twice; a superseded attempt is not republished).
   */
  async handleBatch(events: readonly RecordedEvent[]): Promise<void> {
    let recordedUpTo: bigint | null = null;
    for (const recorded of events) {
      const requestId = requestIdOfStream(recorded.streamId);
      const published = requestId === null ? null : await this.react(requestId, recorded);
      if (requestId !== null && published !== null) {
        // The outcome timeout runs from this moment: the attempt has now really left for the connector.
        await this.checkpoints.recordPublication(this.name, recorded.position, requestId, published, this.clock.now());
        recordedUpTo = recorded.position;
      }
    }
    const last = events[events.length - 1].position;
    if (recordedUpTo !== last) await this.checkpoints.advanceCheckpoint(this.name, last);
  }

  async redrive(parked: RecordedEvent): Promise<void> {
    const requestId = requestIdOfStream(parked.streamId);
    if (requestId === null) return;
    const published = await this.react(requestId, parked);
    if (published !== null) await this.checkpoints.recordPublication(this.name, null, requestId, published, this.clock.now());
  }

  /** Reacts to one event; returns the attempt it published to the connector, or null. */
  private async react(requestId: string, recorded: RecordedEvent): Promise<number | null> {
    const event = decodeEvent(recorded);
    const context = systemContext(recorded.metadata.correlation_id, recorded.eventId);
    if (isCreationEvent(event) && event.data.process_immediately) {
      await this.dispatcher.dispatch(requestId, null, context);
      return null;
    }
    if (event.type !== 'RequestDispatched') return null;
    const { state } = await this.streams.load(requestId);
    if (state.status !== 'Pending' || (state.dispatch && state.dispatch.attempts > event.data.attempt)) {
      this.logger.debug(`Not re-publishing attempt ${event.data.attempt} of ${requestId}: superseded.`);
      return null;
    }
    const call = conaxCallOf(state.request);
    const message: DispatchMessage = {
      schema: DISPATCH_SCHEMA,
      request_id: requestId,
      attempt: event.data.attempt,
      sequence_number: event.data.sequence_number,
      operation: call.operation,
      request: event.data.request,
      dispatched_at: event.data.dispatched_at,
      deadline: new Date(this.clock.now().getTime() + this.settings.outcomeTimeoutMs).toISOString(),
      smartcard_ca_ids: call.smartcardCaIds,
      stb_ca_ids: call.stbCaIds,
      service_ca_id: call.serviceCaId,
    };
    await this.bus.publish(this.settings.topics.dispatch, [
      {
        key: requestId,
        value: JSON.stringify(message),
        headers: { 'correlation-id': recorded.metadata.correlation_id, 'causation-id': recorded.eventId },
      },
    ]);
    this.metrics.dispatchPublished();
    return event.data.attempt;
  }
}
