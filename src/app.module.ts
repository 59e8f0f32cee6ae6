import { Subscribers } from './application/subscriptions/subscribers';
import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { SERVICE_METRICS } from './application/ports/metrics.port';
import { OperationsController } from './infrastructure/observability/health.controller';
import { PrometheusMetrics } from './infrastructure/observability/prometheus-metrics';
import { CatalogueFeed } from './application/catalogue/catalogue-feed';
import { CATALOGUE } from './application/ports/catalogue.port';
import { CreatePairingHandler } from './application/request-types/create-pairing/create-pairing.handler';
import { RequestCreation } from './application/request-types/request-creation';
import { AddSubscriptionsHandler, CancelSubscriptionsHandler } from './application/request-types/subscription-change/subscription-change.handler';
import { APP_SETTINGS, ApplicationSettings } from './application/application-settings';
import { CLOCK, systemClock } from './application/ports/clock.port';
import { CONAX_REQUEST_FORMAT } from './application/ports/conax-request-format.port';
import { EVENT_STORE } from './application/ports/event-store.port';
import { ID_GENERATOR, randomIds } from './application/ports/id-generator.port';
import { READ_MODEL } from './application/ports/read-model.port';
import { TOKEN_REVOCATIONS } from './application/ports/token-revocations.port';
import { SUBSCRIBER_CHECKPOINTS } from './application/ports/subscriber-checkpoints.port';
import { SEQUENCE_ALLOCATOR } from './application/ports/sequence-allocator.port';
import { LEASE_STORE } from './application/ports/lease.port';
import { MESSAGE_BUS, MessageBus } from './application/ports/message-bus.port';
import { DispatchSaga } from './application/processing/dispatch-saga';
import { IntegrationEventPublisher } from './application/processing/integration-event-publisher';
import { OutcomeRecorder } from './application/processing/outcome-recorder';
import { RequestDispatcher } from './application/processing/request-dispatcher';
import { ProcessingRun } from './application/processing/processing-run';
import { ProvisioningRequestStreams } from './application/provisioning-request-streams';
import { ListProvisioningRequestsHandler } from './application/queries/list-provisioning-requests.query';
import { ProvisioningRequestHistoryHandler } from './application/queries/provisioning-request-history.query';
import { ShowProvisioningRequestHandler } from './application/queries/show-provisioning-request.query';
import { RequestViewProjection } from './application/read-model/request-view.projection';
import { RequestViewReader } from './application/read-model/request-view.reader';
import { RequestChanges } from './application/read-model/request-changes';
import { StorageAdapters } from './infrastructure/adapters';
import { AppConfig } from './infrastructure/config/app-config';
import { APP_CONFIG, STORAGE } from './infrastructure/config/config.tokens';
import { conaxRequestFormat } from './infrastructure/conax/conax-messages';
import { ApiExceptionFilter } from './infrastructure/http/api-exception.filter';
import { AuthService } from './infrastructure/http/auth/auth.service';
import { AuthenticationController, loginTrackerOf } from './infrastructure/http/auth/authentication.controller';
import { TokenGuard } from './infrastructure/http/auth/token.guard';
import { ProvisioningRequestsController } from './infrastructure/http/provisioning-requests/provisioning-requests.controller';
import { ServiceTimeZone } from './infrastructure/http/service-time-zone';
import { RuntimeLifecycle } from './runtime.lifecycle';

/** The composition root: configuration and opened adapters in, the whole service out. */
@Module({})
export class AppModule {
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
      topics: config.topics,
    };
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token'],
            serializers: {
              // Tokens travel in query strings (CRM.COM style): keep them out of the logs.
              req: (req: { url?: string }) => ({ ...req, url: req.url?.replace(/([?&]token=)[^&]*/g, '$1[Redacted]') }),
            },
          },
        }),
        ThrottlerModule.forRoot({
          // Probes and scrapes are never throttled: a busy service must not look dead to its orchestrator.
          skipIf: (context) => context.getClass() === OperationsController,
          throttlers: [
            { name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute },
            {
              // Password guessing: logins are limited per organisation and username, whatever address they come from.
              name: 'login',
              ttl: 60_000,
              limit: config.loginRateLimitPerMinute,
              skipIf: (context) => context.getHandler() !== AuthenticationController.prototype.issue,
              getTracker: (request) => loginTrackerOf(request.body),
            },
          ],
        }),
      ],
      controllers: [AuthenticationController, ProvisioningRequestsController, OperationsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: STORAGE, useValue: storage },
        { provide: EVENT_STORE, useValue: storage.eventStore },
        { provide: SEQUENCE_ALLOCATOR, useValue: storage.eventStore },
        { provide: LEASE_STORE, useValue: storage.leases },
        { provide: READ_MODEL, useValue: storage.readModel },
        { provide: SUBSCRIBER_CHECKPOINTS, useValue: storage.checkpoints },
        { provide: TOKEN_REVOCATIONS, useValue: storage.revocations },
        { provide: CATALOGUE, useValue: storage.catalogue },
        { provide: MESSAGE_BUS, useValue: bus },
        PrometheusMetrics,
        { provide: SERVICE_METRICS, useExisting: PrometheusMetrics },
        { provide: CLOCK, useValue: systemClock },
        { provide: ID_GENERATOR, useValue: randomIds },
        { provide: APP_SETTINGS, useValue: settings },
        { provide: CONAX_REQUEST_FORMAT, useValue: conaxRequestFormat },
        { provide: ServiceTimeZone, useValue: new ServiceTimeZone(config.timeZone) },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: TokenGuard },
        AuthService,
        ProvisioningRequestStreams,
        RequestViewProjection,
        RequestViewReader,
        { provide: RequestChanges, useValue: new RequestChanges() },
        RequestDispatcher,
        DispatchSaga,
        ProcessingRun,
        OutcomeRecorder,
        IntegrationEventPublisher,
        Subscribers,
        CatalogueFeed,
        RequestCreation,
        CreatePairingHandler,
        AddSubscriptionsHandler,
        CancelSubscriptionsHandler,
        ShowProvisioningRequestHandler,
        ListProvisioningRequestsHandler,
        ProvisioningRequestHistoryHandler,
        RuntimeLifecycle,
      ],
    };
  }
}
