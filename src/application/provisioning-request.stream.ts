import { Inject, Injectable } from '@nestjs/common';
import {
  ProvisioningRequestCommand,
  provisioningRequestDecider,
  ProvisioningRequestEvent,
  ProvisioningRequestState,
  provisioningRequestStreamId,
} from '../domain/provisioning-request';
import { StreamKind } from './command-handling/command-handler';
import { CURRENT_SCHEMA_VERSION, EVENT_CODEC, EventCodec } from './event-codec';
import { RecordedEvent } from './ports/event-store.port';

/** One stream per provisioning request, whatever its type: the whole history folded, the codec at the read boundary. */
@Injectable()
export class ProvisioningRequestStream implements StreamKind<ProvisioningRequestCommand, ProvisioningRequestEvent, ProvisioningRequestState> {
  readonly decider = provisioningRequestDecider;
  readonly read = 'whole';

  constructor(@Inject(EVENT_CODEC) private readonly codec: EventCodec) {}

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
