import { PROVISIONING_REQUEST_EVENT_TYPES, ProvisioningRequestEvent } from '../domain/provisioning-request';
import { EventMetadata, RecordedEvent, UserRef } from './ports/event-store.port';

/**
 * The one place where stored event shapes meet the domain. Writing stamps the current schema version;
 * reading upcasts older versions to the current shape, so `evolve` and projections only ever see the
 * current shape. Nothing stored is ever rewritten.
 */
export const CURRENT_SCHEMA_VERSION: Record<ProvisioningRequestEvent['type'], number> = {
  PairingRequested: 2,
  SubscriptionsAddRequested: 1,
  SubscriptionsCancelRequested: 1,
  AddToExistingPairingRequested: 1,
  CardPairingStatusRequested: 1,
  PairingModuleStatusRequested: 1,
  ActiveSubscriptionsRequested: 1,
  FingerprintDisplayRequested: 1,
  DefaultPinResetRequested: 1,
  PinChangeRequested: 1,
  MailMessageRequested: 1,
  BarkMessageRequested: 1,
  RepeatingBarkMessageRequested: 1,
  RequestDispatched: 1,
  ConaxCallUnanswered: 1,
  RequestProcessed: 1,
  RequestRejected: 1,
};

/**
 * Names events were first stored under, before the life cycle was shared by every request type (SPEC §7).
 * They are read as the shared events forever, with the same data shape; nothing stored is renamed.
 */
const RENAMED: Record<string, ProvisioningRequestEvent['type']> = {
  PairingDispatched: 'RequestDispatched',
  PairingProcessed: 'RequestProcessed',
  PairingRejected: 'RequestRejected',
};

/** Turns one stored version's data into the next version's. */
export type Upcaster = (data: unknown, metadata: EventMetadata) => unknown;

/**
 * Finds the organisation of a user recorded before events carried one (the configured users: their ids
 * are derived from organisation and username). Without one, such users have none.
 */
export type LegacyOrganisationLookup = (user: UserRef) => string | null;

/** The upcasters of provisioning request events, by `Type@version`; what they need from outside is passed in. */
export function provisioningRequestUpcasters(legacyOrganisationOf: LegacyOrganisationLookup): Readonly<Record<string, Upcaster>> {
  return {
    // v2 added the organisation: v1 events take it from their metadata user.
    'PairingRequested@1': (data, metadata) => ({
      ...(data as object),
      organisation: metadata?.user?.organisation ?? (metadata?.user ? legacyOrganisationOf(metadata.user) : null),
    }),
  };
}

const KNOWN_TYPES = new Set<string>(PROVISIONING_REQUEST_EVENT_TYPES);

export class UnknownEventError extends Error {}

/** Decodes stored provisioning request events with the upcasters it was given; built once at boot. */
export class EventCodec {
  constructor(private readonly upcasters: Readonly<Record<string, Upcaster>>) {}

  /** Decodes a stored event; throws for a type or version this build cannot read. */
  decode(recorded: RecordedEvent): ProvisioningRequestEvent {
    const type = (Object.hasOwn(RENAMED, recorded.type) ? RENAMED[recorded.type] : recorded.type) as ProvisioningRequestEvent['type'];
    if (!KNOWN_TYPES.has(type)) {
      throw new UnknownEventError(`Unknown event type ${recorded.type} at position ${recorded.position}.`);
    }
    let version = recorded.metadata?.schema_version ?? 1;
    let data = recorded.data;
    while (version < CURRENT_SCHEMA_VERSION[type]) {
      const upcast = Object.hasOwn(this.upcasters, `${type}@${version}`) ? this.upcasters[`${type}@${version}`] : undefined;
      if (!upcast) throw new UnknownEventError(`No upcaster for ${type} version ${version}.`);
      data = upcast(data, recorded.metadata);
      version += 1;
    }
    if (version > CURRENT_SCHEMA_VERSION[type]) {
      throw new UnknownEventError(`${type} version ${version} is newer than this build reads.`);
    }
    return { type, data } as ProvisioningRequestEvent;
  }
}

export const EVENT_CODEC = Symbol('EventCodec');
