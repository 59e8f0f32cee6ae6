import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { isCreationEvent, ProvisioningRequestEvent, provisioningRequestStreamId, shownData } from '../../domain/provisioning-request';
import { EVENT_CODEC, EventCodec } from '../event-codec';
import { EVENT_STORE, EventStore, UserRef } from '../ports/event-store.port';
import { RequestIdentifier, RequestViewReader, notFound } from '../read-model/request-view.reader';

export interface HistoryEntry {
  event_id: string;
  type: string;
  revision: number;
  position: string;
  timestamp: string;
  user: UserRef;
  correlation_id: string;
  causation_id: string | null;
  schema_version: number;
  data: unknown;
}

/** What an event's data holds for the service's own bookkeeping, not for an auditor: the body's fingerprint (idempotency). */
const BOOKKEEPING = new Set(['fingerprint']);

/** Without the bookkeeping, and without sealed secrets (a PIN is shown to nobody, not even sealed). */
function auditData(data: ProvisioningRequestEvent['data']): unknown {
  return Object.fromEntries(Object.entries(shownData(data)).filter(([key]) => !BOOKKEEPING.has(key)));
}

export class ProvisioningRequestHistoryQuery extends Query<HistoryEntry[]> {
  constructor(
    readonly identifier: RequestIdentifier,
    readonly organisation: string,
  ) {
    super();
  }
}

/**
 * The audit replay of one request: its stream as stored, in order, decoded to the current event shapes, each
 * event's instant as recorded (ISO-8601 UTC). The service's own bookkeeping (the body's fingerprint) is left
 * out; where a processor parked an event is the operators' concern (operations/parked).
 */
@QueryHandler(ProvisioningRequestHistoryQuery)
export class ProvisioningRequestHistoryHandler implements IQueryHandler<ProvisioningRequestHistoryQuery, HistoryEntry[]> {
  constructor(
    private readonly reader: RequestViewReader,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
  ) {}

  async execute(query: ProvisioningRequestHistoryQuery): Promise<HistoryEntry[]> {
    // A number is resolved through the read model; an id goes straight to the stream, so history works
    // even before the projection has caught up. Either way the stream's own creation event says whose it is.
    const id = 'id' in query.identifier ? query.identifier.id : (await this.reader.get(query.identifier, query.organisation)).id;
    const events = await this.store.readStream(provisioningRequestStreamId(id));
    const creation = events.length ? this.codec.decode(events[0]) : null;
    if (!creation || !isCreationEvent(creation) || creation.data.organisation !== query.organisation) throw notFound();
    return events.map((recorded) => {
      // Decoded: events stored under their first names (PairingDispatched, …) show the shared names (SPEC §7).
      const event = this.codec.decode(recorded);
      return {
        event_id: recorded.eventId,
        type: event.type,
        revision: Number(recorded.revision),
        position: recorded.position.toString(),
        timestamp: recorded.metadata.timestamp,
        user: recorded.metadata.user,
        correlation_id: recorded.metadata.correlation_id,
        causation_id: recorded.metadata.causation_id,
        schema_version: recorded.metadata.schema_version,
        data: auditData(event.data),
      };
    });
  }
}
