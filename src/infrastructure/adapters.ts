import { SubscriberCheckpoints } from '../application/ports/subscriber-checkpoints.port';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
import { SqlRequestKeys } from './sql/sql-request-keys';
import { SqlProviderGate } from './sql/sql-provider-gate';
import { SqlBatchStore } from './sql/sql-batch-store';
import { BatchStore } from '../application/ports/batch-store.port';
import { ProviderGate } from '../application/ports/provider-gate.port';
import { RequestKeys } from '../application/ports/request-keys.port';
import { pinEncryptionKeyBytes } from './config/environment';
import { SqlParkedWork } from './sql/sql-parked-work';
import { SqlConnectorLedger } from './sql/sql-connector-ledger';
import { SqlLeases } from './sql/sql-leases';
import { SqlCheckpoints } from './sql/sql-checkpoints';
import { SqlDispatchPublications } from './sql/sql-dispatch-publications';
import { inlineViewUpsert, SqlRequestViews } from './sql/sql-request-views';
import { SqlTokenRevocations } from './sql/sql-token-revocations';
import { openSqliteDatabase, openSqliteFile } from './sqlite/sqlite-database';
import { mergeSeparateReadModel } from './sqlite/separate-read-model';
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
  requestKeys: RequestKeys;
  providerGate: ProviderGate;
  batches: BatchStore;
  parkedWork: ParkedWorkStore;
  leases: SqlLeases;
  db: Kysely<ReadModelDatabase>;
  close(): Promise<void>;
}

/** The embedded profile's one SQLite file: the events, and beside them the read model (see openEmbeddedDatabase). */
export const EMBEDDED_DATABASE_FILE = 'events.sqlite';

interface OpenedStores {
  store: EventStore & SequenceAllocator;
  db: Kysely<ReadModelDatabase>;
  /** The event store's own pool (PostgreSQL), closed after the store. */
  pool: Pool | null;
}

/**
 * The embedded profile: events and read model in one SQLite file on one connection, so that the request
 * view is written in the append's transaction and a power cut keeps both or neither. A data directory from
 * before (read model in read-model.sqlite) is merged in first.
 */
async function openEmbeddedDatabase(dataDir: string): Promise<{ connection: Database.Database; db: Kysely<ReadModelDatabase> }> {
  mkdirSync(dataDir, { recursive: true });
  const connection = openSqliteFile(join(dataDir, EMBEDDED_DATABASE_FILE));
  const db = await openSqliteDatabase(connection);
  await mergeSeparateReadModel(connection, dataDir);
  return { connection, db };
}

/** The SQL database (read model, checkpoints, leases, released tokens, connector ledger). */
export async function openSqlDatabase(config: AppConfig): Promise<Kysely<ReadModelDatabase>> {
  if (config.readModel === 'postgres') {
    return openPostgresDatabase(await openPostgresPool(config.databaseUrl!, config.databaseSchema), config.databaseSchema);
  }
  if (config.eventStore === 'sqlite') return (await openEmbeddedDatabase(config.dataDir)).db;
  mkdirSync(config.dataDir, { recursive: true });
  return openSqliteDatabase(join(config.dataDir, 'read-model.sqlite'));
}

/**
 * The event store and the SQL database. Where both live in one database (SQLite and SQLite: one file;
 * PostgreSQL and PostgreSQL: one database and schema), the store writes the request view inline.
 */
async function openStores(config: AppConfig): Promise<OpenedStores> {
  if (config.eventStore === 'sqlite' && config.readModel === 'sqlite') {
    const { connection, db } = await openEmbeddedDatabase(config.dataDir);
    // The store takes the read model's connection (Kysely's) for each write, so no read-model transaction is
    // ever open under a synchronous append.
    const store = new SqliteEventStore(connection, { exclusive: (work) => db.connection().execute(async () => work()), viewUpsert: inlineViewUpsert(db) });
    return { store, db, pool: null };
  }
  const db = await openSqlDatabase(config);
  switch (config.eventStore) {
    case 'postgres': {
      const pool = await openPostgresPool(config.databaseUrl!, config.databaseSchema);
      return { store: await PostgresEventStore.open(pool, { writesViewInline: config.readModel === 'postgres' }), db, pool };
    }
    case 'eventstoredb':
      return { store: new EventStoreDbEventStore(config.eventStoreDbUrl!), db, pool: null };
    case 'sqlite':
      mkdirSync(config.dataDir, { recursive: true });
      return { store: new SqliteEventStore(join(config.dataDir, EMBEDDED_DATABASE_FILE)), db, pool: null };
  }
}

export async function openStorage(config: AppConfig): Promise<StorageAdapters> {
  const { store, db, pool } = await openStores(config);
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
    requestKeys: openRequestKeys(config, db),
    providerGate: new SqlProviderGate(db),
    batches: new SqlBatchStore(db),
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

/** The file under DATA_DIR that holds the embedded default's PIN encryption key (made on first use, owner-only). */
export const EMBEDDED_PIN_KEY_FILE = 'pin-encryption.key';

/**
 * The request keys, wrapped under PIN_ENCRYPTION_KEY; without it (never in production: the configuration
 * refuses to start) under a key kept in DATA_DIR, made on first use.
 */
export function openRequestKeys(config: Pick<AppConfig, 'pinEncryptionKey' | 'dataDir'>, db: Kysely<ReadModelDatabase>): RequestKeys {
  if (config.pinEncryptionKey) return new SqlRequestKeys(db, config.pinEncryptionKey);
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, EMBEDDED_PIN_KEY_FILE);
  try {
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = pinEncryptionKeyBytes(readFileSync(file, 'utf8').trim());
  if (!key) throw new Error(`${file} does not hold a 32-byte base64 key.`);
  return new SqlRequestKeys(db, key);
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
