import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Subscribers } from '../application/subscriptions/subscribers';
import { OperationsController } from '../infrastructure/observability/health.controller';
import { RuntimeLifecycle } from '../runtime.lifecycle';
import { CatalogueModule } from './catalogue.module';
import { ProcessingModule } from './processing.module';
import { ProvisioningRequestsModule } from './provisioning-requests.module';

/** Running the service: the durable subscribers, start-up and shutdown order, health and metrics. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ProvisioningRequestsModule, ProcessingModule, CatalogueModule],
  controllers: [OperationsController],
  providers: [Subscribers, RuntimeLifecycle],
  exports: [Subscribers],
})
export class OperationsModule {}
