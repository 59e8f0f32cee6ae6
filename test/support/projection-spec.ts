import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventCodec, CURRENT_SCHEMA_VERSION } from '../../src/application/event-codec';
import { RecordedEvent, UserRef } from '../../src/application/ports/event-store.port';
import { ProvisioningRequestView } from '../../src/application/ports/read-model.port';
import { projectEvents } from '../../src/application/read-model/request-view.projection';
import { ProvisioningRequestEvent, provisioningRequestStreamId } from '../../src/domain/provisioning-request';
import { openSqliteDatabase } from '../../src/infrastructure/sqlite/sqlite-database';
import { SqlCheckpoints } from '../../src/infrastructure/sql/sql-checkpoints';
import { SqlRequestViews } from '../../src/infrastructure/sql/sql-request-views';

export const SPEC_USER: UserRef = { id: 'U1', username: 'alice', person_name: 'Alice', email: null, organisation: 'ACME' };

/** Domain events of one request, stored one after another (positions and revisions in order, one timestamp each). */
export function recorded(requestId: string, events: ProvisioningRequestEvent[], from = 1): RecordedEvent[] {
  return events.map((event, i) => ({
    streamId: provisioningRequestStreamId(requestId),
    revision: BigInt(i),
    position: BigInt(from + i),
    eventId: `${requestId}-${i}`,
    type: event.type,
    data: event.data,
    metadata: {
      correlation_id: 'c',
      causation_id: null,
      user: SPEC_USER,
      timestamp: new Date(Date.UTC(2026, 11, 3, 10, 0, i)).toISOString(),
      schema_version: CURRENT_SCHEMA_VERSION[event.type],
    },
  }));
}

/**
 * Given/then for the request view projection, in the anchors' manner: `given` stored events, projected in
 * one batch or one event at a time by the projection's own function into a fresh SQLite read model; `then`
 * the rows as the read model answers them (by id, and in `list` for the organisation).
 */
export function ProjectionSpecification() {
  return {
    given(events: RecordedEvent[], options: { oneAtATime?: boolean } = {}) {
      return {
        async then(check: (row: (id: string) => Promise<ProvisioningRequestView | null>, list: (filter?: { type?: string; life_cycle_state?: 'PENDING' | 'COMPLETED' | 'REJECTED' }) => Promise<string[]>) => Promise<void> | void): Promise<void> {
          const db = await openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'projection-spec-')), 'read-model.sqlite'));
          try {
            const views = new SqlRequestViews(db, new SqlCheckpoints(db));
            const codec = new EventCodec({});
            const quiet = { warn: () => undefined };
            if (options.oneAtATime) for (const event of events) await projectEvents(views, codec, 'spec', [event], quiet);
            else await projectEvents(views, codec, 'spec', events, quiet);
            await check(
              (id) => views.findById(id),
              async (filter = {}) => (await views.list({ organisation: 'ACME', ...filter }, { limit: 100, offset: 0 })).map((view) => view.id),
            );
          } finally {
            await db.destroy();
          }
        },
      };
    },
  };
}
