import { HttpGate } from '../infrastructure/http/http-gate';
import { STORAGE_FAILURES } from '../application/ports/storage-failures.port';
import { isStorageUnavailable } from '../infrastructure/storage-errors';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { APP_SETTINGS, ApplicationSettings } from '../application/application-settings';
import { CATALOGUE } from '../application/ports/catalogue.port';
import { REQUEST_KEYS } from '../application/ports/request-keys.port';
import { PROVIDER_GATE } from '../application/ports/provider-gate.port';
import { PARKED_WORK } from '../application/ports/parked-work.port';
import { CLOCK, systemClock } from '../application/ports/clock.port';
import { CONAX_REQUEST_FORMAT } from '../application/ports/conax-request-format.port';
import { EVENT_STORE } from '../application/ports/event-store.port';
import { ID_GENERATOR, randomIds } from '../application/ports/id-generator.port';
import { LEASE_STORE } from '../application/ports/lease.port';
import { MESSAGE_BUS, MessageBus } from '../application/ports/message-bus.port';
import { SERVICE_METRICS } from '../application/ports/metrics.port';
import { READ_MODEL } from '../application/ports/read-model.port';
import { SEQUENCE_ALLOCATOR } from '../application/ports/sequence-allocator.port';
import { SUBSCRIBER_CHECKPOINTS } from '../application/ports/subscriber-checkpoints.port';
import { DISPATCH_PUBLICATIONS } from '../application/ports/dispatch-publications.port';
import { TOKEN_REVOCATIONS } from '../infrastructure/http/auth/token-revocations';
import { StreamCommandHandler } from '../application/command-handling/command-handler';
import { EVENT_CODEC } from '../application/event-codec';
import { ProvisioningRequestStream } from '../application/provisioning-request.stream';
import { RequestChanges } from '../application/read-model/request-changes';
import { eventCodecFor, StorageAdapters } from '../infrastructure/adapters';
import { AppConfig } from '../infrastructure/config/app-config';
import { STORAGE } from '../infrastructure/config/config.tokens';
import { conaxRequestFormatFor } from '../infrastructure/conax/conax-messages';
import { AuthService } from '../infrastructure/http/auth/auth.service';
import { ServiceTimeZone } from '../infrastructure/http/service-time-zone';
import { BatchBodies } from '../infrastructure/http/batches/batch-bodies';
import { RequestValidation } from '../infrastructure/http/request-validation';
import { BATCH_STORE } from '../application/ports/batch-store.port';
import { BATCH_ITEM_INPUTS } from '../application/batches/batch-item-inputs';
import { PrometheusMetrics } from '../infrastructure/observability/prometheus-metrics';

/** What every feature shares: configuration, the opened adapters behind their ports, metrics, the stream loop (and the request changes it announces), login. */
@Global()
@Module({})
export class CoreModule {
  static register(config: AppConfig, storage: StorageAdapters, bus: MessageBus): DynamicModule {
    const settings: ApplicationSettings = {
      maxSmartcards: config.maxSetSize,
      maxStbs: config.maxSetSize,
      readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
      processImmediatelyWaitMs: config.processImmediatelyWaitMs,
      processImmediatelyMaxWaiters: config.processImmediatelyMaxWaiters,
      processingRunIntervalMs: config.processingRunIntervalMs,
      outcomeTimeoutMs: config.outcomeTimeoutMs,
      maxDispatchAttempts: config.maxDispatchAttempts,
      conaxCallTimeoutMs: config.conax.callTimeoutMs,
      processingRunBatch: config.processingRunBatch,
      instanceId: config.instanceId,
      subscriberLeaseTtlMs: config.subscriberLeaseTtlMs,
      eventsCommitIntervalMs: config.eventsCommitIntervalMs,
      topics: config.topics,
    };
    const zone = new ServiceTimeZone(config.timeZone);
    const validation = new RequestValidation(config.maxSetSize);
    const providers = [
      { provide: STORAGE, useValue: storage },
      { provide: EVENT_STORE, useValue: storage.eventStore },
      { provide: SEQUENCE_ALLOCATOR, useValue: storage.eventStore },
      { provide: LEASE_STORE, useValue: storage.leases },
      { provide: READ_MODEL, useValue: storage.readModel },
      { provide: SUBSCRIBER_CHECKPOINTS, useValue: storage.checkpoints },
      { provide: TOKEN_REVOCATIONS, useValue: storage.revocations },
      { provide: DISPATCH_PUBLICATIONS, useValue: storage.publications },
      { provide: CATALOGUE, useValue: storage.catalogue },
      { provide: REQUEST_KEYS, useValue: storage.requestKeys },
      { provide: PROVIDER_GATE, useValue: storage.providerGate },
      { provide: BATCH_STORE, useValue: storage.batches },
      { provide: RequestValidation, useValue: validation },
      { provide: BATCH_ITEM_INPUTS, useValue: new BatchBodies(validation, zone) },
      { provide: PARKED_WORK, useValue: storage.parkedWork },
      { provide: MESSAGE_BUS, useValue: bus },
      { provide: STORAGE_FAILURES, useValue: { isUnavailable: isStorageUnavailable } },
      { provide: CLOCK, useValue: systemClock },
      { provide: ID_GENERATOR, useValue: randomIds },
      { provide: APP_SETTINGS, useValue: settings },
      { provide: CONAX_REQUEST_FORMAT, useValue: conaxRequestFormatFor(config.conax.encoding) },
      { provide: ServiceTimeZone, useValue: zone },
      PrometheusMetrics,
      { provide: SERVICE_METRICS, useExisting: PrometheusMetrics },
      StreamCommandHandler,
      { provide: RequestChanges, useValue: new RequestChanges() },
      ProvisioningRequestStream,
      { provide: EVENT_CODEC, useValue: eventCodecFor(config) },
      AuthService,
      HttpGate,
    ];
    return {
      module: CoreModule,
      // The Nest convention: the checked configuration (environment.ts, app-config.ts) is what ConfigService
      // answers, for every module; nothing reads process.env after the boot.
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [registerAs('app', () => config)] })],
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
