import {
  ProvisioningRequestCommand,
  provisioningRequestDecider,
  ProvisioningRequestEvent,
  ProvisioningRequestState,
  provisioningRequestStreamId,
} from '../domain/provisioning-request';
import { StreamKind } from './command-handling/command-handler';
import { CURRENT_SCHEMA_VERSION, decodeEvent } from './event-codec';

/** One stream per provisioning request, whatever its type: the whole history folded, the codec at the read boundary. */
export const provisioningRequestStream: StreamKind<ProvisioningRequestCommand, ProvisioningRequestEvent, ProvisioningRequestState> = {
  decider: provisioningRequestDecider,
  streamId: provisioningRequestStreamId,
  decode: decodeEvent,
  schemaVersion: (type) => CURRENT_SCHEMA_VERSION[type],
  read: 'whole',
};
