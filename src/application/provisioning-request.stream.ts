import { Inject, Injectable } from '@nestjs/common';
import {
  ProvisioningRequestCommand,
  provisioningRequestDecider,
  ProvisioningRequestEvent,
  ProvisioningRequestState,
  provisioningRequestStreamId,
} from '../domain/provisioning-request';
import { InlineView, StreamKind } from './command-handling/command-handler';
import { CURRENT_SCHEMA_VERSION, EVENT_CODEC, EventCodec } from './event-codec';
import { RecordedEvent } from './ports/event-store.port';
import { evolveView } from './read-model/provisioning-request-view';
import { RequestChanges } from './read-model/request-changes';
import { viewOfStream } from './read-model/request-view.projection';

/** One stream per provisioning request, whatever its type: the whole history folded, the codec at the read boundary. */
@Injectable()
export class ProvisioningRequestStream implements StreamKind<ProvisioningRequestCommand, ProvisioningRequestEvent, ProvisioningRequestState> {
  readonly decider = provisioningRequestDecider;
  readonly read = 'whole';

  /** The request view, folded with the projection's own functions: the inline write and the projection agree by construction. */
  readonly inlineView: InlineView<ProvisioningRequestEvent> = {
    after: (history, appended, context) => appended.reduce((view, event) => evolveView(view, event, context), viewOfStream(history, this.codec)),
    stored: (view) => this.changes.notify(view.id, view),
  };

  constructor(
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
    private readonly changes: RequestChanges,
  ) {}

  streamId(requestId: string): string {
    return provisioningRequestStreamId(requestId);
  }

  decode(recorded: RecordedEvent): ProvisioningRequestEvent {
    return this.codec.decode(recorded);
  }

  schemaVersion(type: ProvisioningRequestEvent['type']): number {
    return CURRENT_SCHEMA_VERSION[type];
  }
}
