import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { MessageBus } from './application/ports/message-bus.port';
import { StorageAdapters } from './infrastructure/adapters';
import { AppConfig } from './infrastructure/config/app-config';
import { ApiExceptionFilter } from './infrastructure/http/api-exception.filter';
import { AuthenticationController, loginTrackerOf } from './infrastructure/http/auth/authentication.controller';
import { TokenGuard } from './infrastructure/http/auth/token.guard';
import { SlidingWindowRateLimits } from './infrastructure/http/rate-limit-storage';
import { OperationsController } from './infrastructure/observability/health.controller';
import { CatalogueModule } from './modules/catalogue.module';
import { CoreModule } from './modules/core.module';
import { OperationsModule } from './modules/operations.module';
import { ProcessingModule } from './modules/processing.module';
import { ProvisioningRequestsModule } from './modules/provisioning-requests.module';

/**
 * The composition root: configuration and opened adapters in, the whole service out, as feature modules
 * (provisioning requests, processing, catalogue, operations) over one shared core.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig, storage: StorageAdapters, bus: MessageBus): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        CoreModule.register(config, storage, bus),
        ProvisioningRequestsModule,
        ProcessingModule,
        CatalogueModule,
        OperationsModule,
        ThrottlerModule.forRoot({
          storage: new SlidingWindowRateLimits(),
          // Probes and scrapes are never throttled: a busy service must not look dead to its orchestrator.
          skipIf: (context) => context.getClass() === OperationsController,
          throttlers: [
            {
              name: 'default',
              ttl: 60_000,
              limit: config.rateLimitPerMinute,
              // The tracker here is the client address (short, not chosen freely), so the key needs no hashing; the
              // library's default SHA-256 of it was a few percent of every request's CPU (BENCHMARKS.md).
              generateKey: (context, tracker, name) => `${context.getClass().name}-${context.getHandler().name}-${name}-${tracker}`,
            },
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
      providers: [
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: TokenGuard },
      ],
    };
  }
}
