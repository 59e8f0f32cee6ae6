import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OperationsOverview } from '../application/operations/operations-overview';
import { ParkedWork } from '../application/operations/parked-work';
import { OperationsApiController } from '../infrastructure/http/operations/operations.controller';
import { OperationsController } from '../infrastructure/observability/health.controller';
import { RuntimeLifecycle } from '../runtime.lifecycle';
import { CatalogueModule } from './catalogue.module';
import { ProcessingModule } from './processing.module';
import { ProvisioningRequestsModule } from './provisioning-requests.module';

/**
 * Running the service: start-up and shutdown order, health and metrics, and the
 * operators' routes (status, charts, parked work with re-drive and discard, their audit).
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ProvisioningRequestsModule, ProcessingModule, CatalogueModule],
  controllers: [OperationsController, OperationsApiController],
  providers: [RuntimeLifecycle, ParkedWork, OperationsOverview],
})
export class OperationsModule {}
