import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore } from '../application/ports/event-store.port';
import { ProvisioningRequestReadModel, TokenRevocations } from '../application/ports/read-model.port';
import { SequenceAllocator } from '../application/ports/sequence-allocator.port';
import { AppConfig } from './config/app-config';
import { openSqliteReadModel } from './sqlite/sqlite-read-model';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

/** The storage adapters chosen by configuration, opened once per process. */
export interface StorageAdapters {
  eventStore: EventStore;
  sequences: SequenceAllocator;
  readModel: ProvisioningRequestReadModel;
  revocations: TokenRevocations;
  close(): Promise<void>;
}

export async function openStorage(config: AppConfig): Promise<StorageAdapters> {
  mkdirSync(config.dataDir, { recursive: true });
  const eventStore = new SqliteEventStore(join(config.dataDir, 'events.sqlite'));
  const readModel = await openSqliteReadModel(join(config.dataDir, 'read-model.sqlite'));
  return {
    eventStore,
    sequences: eventStore,
    readModel,
    revocations: readModel,
    async close() {
      await readModel.close();
      await eventStore.close();
    },
  };
}
