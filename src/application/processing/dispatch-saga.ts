import { Inject, Injectable, Logger } from '@nestjs/common';
import { isCreationEvent, PROVISIONING_REQUEST_STREAM_PREFIX, requestIdOfStream } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { RecordedEvent } from '../ports/event-store.port';
import { BusMessage, MESSAGE_BUS, MessageBus } from '../ports/message-bus.port';
import { DISPATCH_PUBLICATIONS, DispatchPublications } from '../ports/dispatch-publications.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../ports/subscriber-checkpoints.port';
import { SERVICE_METRICS, ServiceMetrics } from '../ports/metrics.port';
import { StreamCommandHandler } from '../command-handling/command-handler';
import { ProvisioningRequestStream } from '../provisioning-request.stream';
import { EventProcessor } from '../consumers/event-processor';
import { systemContext } from '../system-user';
import { conaxCallOf, sealedSecretOf } from '../request-types/request-types';
import { ConaxProvider } from '../operations/conax-provider';
import { DISPATCH_SCHEMA, DispatchMessage } from './messages';
import { RequestDispatcher } from './request-dispatcher';
import { derivedId } from '../ports/id-generator.port';

/**
 * The dispatch saga, fed from the event store (not the in-memory EventBus) with its own checkpoint:
 * - a creation event (any request type) with process_immediately → decide Dispatch at once;
 * - RequestDispatched → publish the dispatch message (key = request id) to the connector.
 * Redelivery is harmless: Dispatch decides nothing twice, and a dispatch message is not republished for a
 * request that is already final or has been sent again since.
 */
@Injectable()
export class DispatchSaga implements EventProcessor {
  readonly name = 'dispatch_saga';
  readonly streamPrefixes = [PROVISIONING_REQUEST_STREAM_PREFIX];
  private readonly logger = new Logger(DispatchSaga.name);

  constructor(
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    @Inject(DISPATCH_PUBLICATIONS) private readonly publications: DispatchPublications,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(SERVICE_METRICS) private readonly metrics: ServiceMetrics,
    private readonly commands: StreamCommandHandler,
    private readonly requests: ProvisioningRequestStream,
    private readonly dispatcher: RequestDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly provider: ConaxProvider,
  ) {}

  resumeFrom(): Promise<bigint | null> {
    return this.checkpoints.checkpoint(this.name);
  }

  park(recorded: RecordedEvent, reason: string): Promise<void> {
    return this.checkpoints.parkEvent(this.name, recorded, reason);
  }

  /**
   * Reacts to each event in order; the dispatch messages the batch produces leave together, in one send (one
   * round trip to the broker instead of one per request), and each publication is then recorded with the
   * checkpoint at its own event, so the outcome timeout starts when it really left. Events that need no
   * reaction (most of them) only move the checkpoint, once, at the end of the batch. A crash in between
   * replays from the last checkpoint, and the reactions are idempotent (Dispatch decides nothing twice; a
   * superseded attempt is not republished; the connector's ledger absorbs a message sent twice).
   */
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    const publications: Publication[] = [];
    for (const recorded of events) {
      const requestId = requestIdOfStream(recorded.streamId);
      const publication = requestId === null ? null : await this.react(requestId, recorded);
      if (publication) publications.push(publication);
    }
    await this.publish(publications);
    for (const { recorded, requestId, attempt } of publications) {
      await this.publications.record(this.name, recorded.position, requestId, attempt, this.clock.now());
    }
    const last = events[events.length - 1].position;
    if (publications.at(-1)?.recorded.position !== last) await this.checkpoints.advanceCheckpoint(this.name, last);
  }

  async redrive(parked: RecordedEvent): Promise<void> {
    const requestId = requestIdOfStream(parked.streamId);
    if (requestId === null) return;
    const publication = await this.react(requestId, parked);
    if (publication === null) return;
    await this.publish([publication]);
    await this.publications.record(this.name, null, requestId, publication.attempt, this.clock.now());
  }

  private async publish(publications: readonly Publication[]): Promise<void> {
    if (publications.length === 0) return;
    await this.bus.publish(this.settings.topics.dispatch, publications.map((publication) => publication.message));
    for (let i = 0; i < publications.length; i++) this.metrics.dispatchPublished();
  }

  /** Reacts to one event: dispatches a process_immediately creation; answers the message an attempt sends, or null. */
  private async react(requestId: string, recorded: RecordedEvent): Promise<Publication | null> {
    const event = this.requests.decode(recorded);
    const context = systemContext(recorded.metadata.correlation_id, recorded.eventId);
    if (isCreationEvent(event) && event.data.process_immediately) {
      // While the provider is NOT_EFFECTIVE it waits, PENDING, for the processing run after the provider is back.
      if (!(await this.provider.effective())) return null;
      // Sent at once, outside any processing run: it is a run of its own, one request long, whose id is
      // derived from the creation event (a redelivery of that event names the same run).
      await this.dispatcher.dispatch(requestId, derivedId('immediate-run', recorded.eventId), context);
      return null;
    }
    if (event.type !== 'RequestDispatched') return null;
    const { state } = await this.commands.load(this.requests, requestId);
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
      smartcard_ca_ids: call.smartcardCaIds,
      stb_ca_ids: call.stbCaIds,
      service_ca_id: call.serviceCaId,
    };
    const sealedPin = sealedSecretOf(state.request);
    if (sealedPin) message.sealed_pin = sealedPin;
    return {
      recorded,
      requestId,
      attempt: event.data.attempt,
      message: {
        key: requestId,
        value: JSON.stringify(message),
        headers: { 'correlation-id': recorded.metadata.correlation_id, 'causation-id': recorded.eventId },
      },
    };
  }
}

/** A dispatch message to send, and what to record once it has left. */
interface Publication {
  recorded: RecordedEvent;
  requestId: string;
  attempt: number;
  message: BusMessage;
}
