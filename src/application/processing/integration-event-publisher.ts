import { Inject, Injectable } from '@nestjs/common';
import { PROVISIONING_REQUEST_STREAM_PREFIX, requestIdOfStream, shownData } from '../../domain/provisioning-request';
import { CURRENT_SCHEMA_VERSION, EVENT_CODEC, EventCodec } from '../event-codec';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { RecordedEvent } from '../ports/event-store.port';
import { LogShipper, MESSAGE_BUS, MessageBus } from '../ports/message-bus.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../ports/subscriber-checkpoints.port';
import { EventProcessor } from '../consumers/event-processor';

export const INTEGRATION_EVENT_SOURCE = 'urn:conax-provisioning';

/** One stored event as a CloudEvents 1.0 structured-mode JSON message (docs/asyncapi.yaml). */
export function toCloudEvent(codec: EventCodec, recorded: RecordedEvent, requestId: string) {
  const event = codec.decode(recorded);
  return {
    specversion: '1.0',
    id: recorded.eventId,
    source: INTEGRATION_EVENT_SOURCE,
    // The decoded name: events stored under their first names travel under the shared ones (SPEC §7).
    type: `conax.provisioning_request.${event.type}.v1`,
    subject: requestId,
    time: recorded.metadata.timestamp,
    datacontenttype: 'application/json',
    // `data` is decoded (upcast) to the current shape, so the version is the current one, not the stored one.
    dataschemaversion: CURRENT_SCHEMA_VERSION[event.type],
    streamrevision: Number(recorded.revision),
    correlationid: recorded.metadata.correlation_id,
    causationid: recorded.metadata.causation_id,
    data: shownData(event.data),
  };
}

/** The log shipper's name: the same on every instance, so a newer holder of the lease fences an older one. */
export const INTEGRATION_EVENTS_WRITER = 'conax-provisioning.integration-events';

/**
 * Publishes every stored request event, in order, to the integration topic keyed by request id, exactly
 * once on Kafka: through a log shipper that writes each message with its position atomically and fences
 * any earlier writer, so the subscription resumes after what is really on the topic, whatever crashed
 * where (docs/decisions.md, "Delivery guarantees"). The database checkpoint follows for lag and readiness.
 */
@Injectable()
export class IntegrationEventPublisher implements EventProcessor {
  readonly name = 'integration_events';
  readonly streamPrefixes = [PROVISIONING_REQUEST_STREAM_PREFIX];
  readonly batchIntervalMs: number;

  constructor(
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
  ) {
    this.batchIntervalMs = settings.eventsCommitIntervalMs;
  }

  private shipper: LogShipper | null = null;

  /** Called each time it (re)starts, after the lease is taken: a fresh shipper fences older ones. */
  async resumeFrom(): Promise<bigint | null> {
    await this.shipper?.close();
    this.shipper = null;
    const shipper = await this.bus.openLogShipper(this.settings.topics.events, INTEGRATION_EVENTS_WRITER);
    this.shipper = shipper;
    const stored = await this.checkpoints.checkpoint(this.name);
    const shipped = shipper.committedPosition;
    return stored === null ? shipped : shipped === null || stored > shipped ? stored : shipped;
  }

  park(recorded: RecordedEvent, reason: string): Promise<void> {
    return this.checkpoints.parkEvent(this.name, recorded, reason);
  }

  /**
   * Published on its own, outside the shipper's ordered log (whose position is far past it): consumers see it
   * after later events of its request, and dedupe on its id as ever.
   */
  async redrive(parked: RecordedEvent): Promise<void> {
    const requestId = requestIdOfStream(parked.streamId);
    if (requestId === null) return;
    await this.bus.publish(this.settings.topics.events, [
      {
        key: requestId,
        value: JSON.stringify(toCloudEvent(this.codec, parked, requestId)),
        headers: { 'content-type': 'application/cloudevents+json', 'correlation-id': parked.metadata.correlation_id },
      },
    ]);
  }

  /** The whole batch in one Kafka transaction with the last position, then one checkpoint write. */
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    const messages = events.flatMap((recorded) => {
      const requestId = requestIdOfStream(recorded.streamId);
      if (requestId === null) return [];
      return [
        {
          key: requestId,
          value: JSON.stringify(toCloudEvent(this.codec, recorded, requestId)),
          headers: { 'content-type': 'application/cloudevents+json', 'correlation-id': recorded.metadata.correlation_id },
        },
      ];
    });
    const last = events[events.length - 1].position;
    if (messages.length) await this.shipper!.publish(messages, last);
    await this.checkpoints.advanceCheckpoint(this.name, last);
  }
}
