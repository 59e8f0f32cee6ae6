import { Inject, Injectable } from '@nestjs/common';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { EventConsumer } from '../consumers/event-consumer';
import { EVENT_STORE, EventStore } from '../ports/event-store.port';
import { LEASE_STORE, LeaseStore } from '../ports/lease.port';
import { STORAGE_FAILURES, StorageFailures } from '../ports/storage-failures.port';
import { RequestViewProjection } from '../read-model/request-view.projection';
import { DispatchSaga } from './dispatch-saga';
import { BatchIndexProjection } from '../batches/batch-index.projection';
import { IntegrationEventPublisher } from './integration-event-publisher';

/**
 * The service's one consumer of its event log and the processors it feeds: a new durable processor is one
 * entry in this list. The runtime starts and stops it; readiness, metrics and the operators' routes read its
 * processors' status from here.
 */
@Injectable()
export class ServiceConsumer extends EventConsumer {
  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(LEASE_STORE) leases: LeaseStore,
    @Inject(STORAGE_FAILURES) storageFailures: StorageFailures,
    @Inject(APP_SETTINGS) settings: ApplicationSettings,
    readonly projection: RequestViewProjection,
    saga: DispatchSaga,
    publisher: IntegrationEventPublisher,
    batchIndex: BatchIndexProjection,
  ) {
    super(store, [projection, saga, publisher, batchIndex], { leases: { leases, owner: settings.instanceId, ttlMs: settings.subscriberLeaseTtlMs }, storageFailures });
  }
}
