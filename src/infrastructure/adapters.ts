import { SubscriberCheckpoints } from '../application/ports/subscriber-checkpoints.port';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import { Pool } from 'pg';
import { Catalogue } from '../application/ports/catalogue.port';
import { ParkedWorkStore } from '../application/ports/parked-work.port';
import { ConnectorLedger } from '../application/ports/connector-ledger.port';
import { EventStore } from '../application/ports/event-store.port';
import { MessageBus } from '../application/ports/message-bus.port';
import { ProvisioningRequestReadModel } from '../application/ports/read-model.port';
import { DispatchPublications } from '../application/ports/dispatch-publications.port';
import { TokenRevocations } from './http/auth/token-revocations';
import { SequenceAllocator } from '../application/ports/sequence-allocator.port';
import { EventCodec, provisioningRequestUpcasters } from '../application/event-codec';
import { InMemoryBus } from './bus/in-memory-bus';
import { legacyOrganisationLookup } from './config/auth-users';
import { AppConfig } from './config/app-config';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { KafkaBus } from './kafka/kafka-bus';
import { openPostgresDatabase } from './postgres/postgres-database';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { openPostgresPool } from './postgres/postgres-pool';
import { ReadModelDatabase } from './sql/schema';
import { SqlCatalogue } from './sql/sql-catalogue';
import { SqlParkedWork } from './sql/sql-parked-work';
import { SqlConnectorLedger } from './sql/sql-connector-ledger';
import { SqlLeases } from './sql/sql-leases';
import { SqlCheckpoints } from './sql/sql-checkpoints';
import { SqlDispatchPublications } from './sql/sql-dispatch-publications';
import { SqlRequestViews } from './sql/sql-request-views';
import { SqlTokenRevocations } from './sql/sql-token-revocations';
import { openSqliteDatabase } from './sqlite/sqlite-database';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

/** The storage adapters chosen by configuration, opened once per process. */
export interface StorageAdapters {
  eventStore: EventStore & SequenceAllocator;
  readModel: ProvisioningRequestReadModel;
  checkpoints: SubscriberCheckpoints;
  revocations: TokenRevocations;
  publications: DispatchPublications;
  ledger: ConnectorLedger;
  catalogue: Catalogue;
  parkedWork: ParkedWorkStore;
  leases: SqlLeases;
  db: Kysely<ReadModelDatabase>;
  close(): Promise<void>;
}

/** The SQL database (read model, checkpoints, leases, released tokens, connector ledger). */
export async function openSqlDatabase(config: AppConfig): Promise<Kysely<ReadModelDatabase>> {
  if (config.readModel === 'postgres') {
    return openPostgresDatabase(await openPostgresPool(config.databaseUrl!, config.databaseSchema), config.databaseSchema);
  }
  mkdirSync(config.dataDir, { recursive: true });
  return openSqliteDatabase(join(config.dataDir, 'read-model.sqlite'));
}

async function openEventStore(config: AppConfig): Promise<{ store: EventStore & SequenceAllocator; pool: Pool | null }> {
  switch (config.eventStore) {
    case 'postgres': {
      const pool = await openPostgresPool(config.databaseUrl!, config.databaseSchema);
      return { store: await PostgresEventStore.open(pool), pool };
    }
    case 'eventstoredb':
      return { store: new EventStoreDbEventStore(config.eventStoreDbUrl!), pool: null };
    case 'sqlite':
      mkdirSync(config.dataDir, { recursive: true });
      return { store: new SqliteEventStore(join(config.dataDir, 'events.sqlite')), pool: null };
  }
}

export async function openStorage(config: AppConfig): Promise<StorageAdapters> {
  const { store, pool } = await openEventStore(config);
  const db = await openSqlDatabase(config);
  const leases = new SqlLeases(db, config.readModel);
  const checkpoints = new SqlCheckpoints(db, leases);
  return {
    eventStore: store,
    readModel: new SqlRequestViews(db, checkpoints),
    checkpoints,
    revocations: new SqlTokenRevocations(db),
    publications: new SqlDispatchPublications(db, checkpoints),
    ledger: new SqlConnectorLedger(db),
    catalogue: new SqlCatalogue(db),
    parkedWork: new SqlParkedWork(db),
    leases,
    db,
    async close() {
      await store.close();
      await pool?.end();
      await db.destroy();
    },
  };
}

/** The event codec of this process: its upcasters find the organisation of users recorded before events carried one among the configured users. */
export function eventCodecFor(config: Pick<AppConfig, 'authUsersJson'>): EventCodec {
  return new EventCodec(provisioningRequestUpcasters(legacyOrganisationLookup(config.authUsersJson)));
}

export function openBus(config: AppConfig): MessageBus {
  return config.bus === 'kafka'
    ? new KafkaBus({ ...config.kafka, retry: config.busRetry })
    : new InMemoryBus(config.busRetry);
}
