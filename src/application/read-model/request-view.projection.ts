import { Inject, Injectable, Logger } from '@nestjs/common';
import { PROVISIONING_REQUEST_STREAM_PREFIX, requestIdOfStream } from '../../domain/provisioning-request';
import { EVENT_CODEC, EventCodec } from '../event-codec';
import { EVENT_STORE, EventStore, RecordedEvent } from '../ports/event-store.port';
import { READ_MODEL, ProvisioningRequestReadModel, ViewChange, ProvisioningRequestView } from '../ports/read-model.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../ports/subscriber-checkpoints.port';
import { EventProcessor } from '../consumers/event-processor';
import { evolveView } from './provisioning-request-view';
import { RequestChanges } from './request-changes';

export const REQUEST_VIEW_PROJECTION = 'request_view';

/** Builds the request view from the event log; row and checkpoint are written in one transaction. */
@Injectable()
export class RequestViewProjection implements EventProcessor {
  readonly name = REQUEST_VIEW_PROJECTION;
  readonly streamPrefixes = [PROVISIONING_REQUEST_STREAM_PREFIX];
  private readonly logger = new Logger(RequestViewProjection.name);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel,
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    private readonly changes: RequestChanges,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
  ) {}

  resumeFrom(): Promise<bigint | null> {
    return this.checkpoints.checkpoint(this.name);
  }

  park(recorded: RecordedEvent, reason: string): Promise<void> {
    return this.checkpoints.parkEvent(this.name, recorded, reason);
  }

  /** The request's whole view, folded again from its stream (later events may already be applied). */
  async redrive(parked: RecordedEvent): Promise<void> {
    const requestId = requestIdOfStream(parked.streamId);
    if (requestId === null) return;
    const events = await this.store.readStream(parked.streamId);
    const view = viewOfStream(events, this.codec);
    if (view === null) return;
    await this.readModel.putView(view, events[events.length - 1].revision);
    this.changes.notify(requestId, view);
  }

  async handle(events: readonly RecordedEvent[]): Promise<void> {
    const stored = await projectEvents(this.readModel, this.codec, this.name, events, this.logger);
    for (const [requestId, view] of stored) this.changes.notify(requestId, view);
  }
}

/** A request's view folded from its whole stream with the projection's own function (null for an empty stream). */
export function viewOfStream(events: readonly RecordedEvent[], codec: EventCodec): ProvisioningRequestView | null {
  return events.reduce<ProvisioningRequestView | null>(
    (view, recorded) => evolveView(view, codec.decode(recorded), { user: recorded.metadata.user, timestamp: recorded.metadata.timestamp }),
    null,
  );
}

/**
 * Applies stored events, in order, to a request view store in one transaction with the checkpoint of the
 * last: the live projection and the rebuild both go through here. Answers, once committed, each changed
 * request's view as stored (events at or below a row's revision change nothing and are not in it).
 */
export async function projectEvents(
  readModel: ProvisioningRequestReadModel,
  codec: EventCodec,
  checkpointName: string,
  events: readonly RecordedEvent[],
  logger: Pick<Logger, 'warn'>,
): Promise<Map<string, ProvisioningRequestView>> {
  const stored = new Map<string, ProvisioningRequestView>();
  if (events.length === 0) return stored;
  const changes: ViewChange[] = [];
  for (const recorded of events) {
    const requestId = requestIdOfStream(recorded.streamId);
    if (requestId === null) continue;
    const context = { user: recorded.metadata.user, timestamp: recorded.metadata.timestamp };
    changes.push({
      requestId,
      revision: recorded.revision,
      // Decoded only for a row that needs it: behind inline writes most events find their row done.
      update: (current) => {
        const next = evolveView(current, codec.decode(recorded), context);
        if (next === null) logger.warn(`${recorded.type} at ${recorded.position} has no request to apply to.`);
        else stored.set(requestId, next);
        return next;
      },
    });
  }
  await readModel.applyEvents(checkpointName, events[events.length - 1].position, changes);
  return stored;
}
