import { PROVISIONING_REQUEST_EVENT_TYPES, ProvisioningRequestEvent } from '../domain/provisioning-request';
import { RecordedEvent } from './ports/event-store.port';

/**
 * The one place where stored event shapes meet the domain. Writing stamps the current schema version;
 * reading upcasts older versions to the current shape, so `evolve` and projections only ever see the
 * current shape. There are no older versions yet: an upcaster is added here, keyed by type and version,
 * when a shape changes.
 */
export const CURRENT_SCHEMA_VERSION: Record<ProvisioningRequestEvent['type'], number> = {
  PairingRequested: 1,
  PairingDispatched: 1,
  PairingProcessed: 1,
  PairingRejected: 1,
};

type Upcaster = (data: unknown) => unknown;
const UPCASTERS: Record<string, Upcaster> = {};

const KNOWN_TYPES = new Set<string>(PROVISIONING_REQUEST_EVENT_TYPES);

export class UnknownEventError extends Error {}

/** Decodes a stored event; throws for a type or version this build cannot read. */
export function decodeEvent(recorded: RecordedEvent): ProvisioningRequestEvent {
  if (!KNOWN_TYPES.has(recorded.type)) {
    throw new UnknownEventError(`Unknown event type ${recorded.type} at position ${recorded.position}.`);
  }
  const type = recorded.type as ProvisioningRequestEvent['type'];
  let version = recorded.metadata?.schema_version ?? 1;
  let data = recorded.data;
  while (version < CURRENT_SCHEMA_VERSION[type]) {
    const upcast = UPCASTERS[`${type}@${version}`];
    if (!upcast) throw new UnknownEventError(`No upcaster for ${type} version ${version}.`);
    data = upcast(data);
    version += 1;
  }
  if (version > CURRENT_SCHEMA_VERSION[type]) {
    throw new UnknownEventError(`${type} version ${version} is newer than this build reads.`);
  }
  return { type, data } as ProvisioningRequestEvent;
}
