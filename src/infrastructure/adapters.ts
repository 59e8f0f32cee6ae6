import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import { ConnectorLedger } from '../application/ports/connector-ledger.port';
import { EventStore } from '../application/ports/event-store.port';
import { MessageBus } from '../application/ports/message-bus.port';
import { ProvisioningRequestReadModel, TokenRevocations } from '../application/ports/read-model.port';
import { SequenceAllocator } from '../application/ports/sequence-allocator.port';
import { InMemoryBus } from './bus/in-memory-bus';
import { AppConfig } from './config/app-config';
import { KafkaBus } from './kafka/kafka-bus';
import { ReadModelDatabase } from './sql/schema';
import { SqlConnectorLedger } from './sql/sql-connector-ledger';
import { SqlReadModel } from './sql/sql-read-model';
import { openSqliteDatabase } from './sqlite/sqlite-database';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

/** The storage adapters chosen by configuration, opened once per process. */
export interface StorageAdapters {
  eventStore: EventStore;
  sequences: SequenceAllocator;
  readModel: ProvisioningRequestReadModel;
  revocations: TokenRevocations;
  ledger: ConnectorLedger;
  close(): Promise<void>;
}

/** The SQL database alone (read model, checkpoints, ledger): all the standalone connector needs. */
export async function openSqlDatabase(config: AppConfig): Promise<Kysely<ReadModelDatabase>> {
  mkdirSync(config.dataDir, { recursive: true });
  return openSqliteDatabase(join(config.dataDir, 'read-model.sqlite'));
}

export async function openStorage(config: AppConfig): Promise<StorageAdapters> {
  mkdirSync(config.dataDir, { recursive: true });
  const eventStore = new SqliteEventStore(join(config.dataDir, 'events.sqlite'));
  const db = await openSqlDatabase(config);
  const readModel = new SqlReadModel(db);
  return {
    eventStore,
    sequences: eventStore,
    readModel,
    revocations: readModel,
    ledger: new SqlConnectorLedger(db),
    async close() {
      await readModel.close();
      await eventStore.close();
    },
  };
}

export function openBus(config: AppConfig): MessageBus {
  return config.bus === 'kafka'
    ? new KafkaBus({ ...config.kafka, retry: config.busRetry })
    : new InMemoryBus(config.busRetry);
}
