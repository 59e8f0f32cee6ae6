import { Module } from '@nestjs/common';
import { BatchQueries } from '../application/batches/batch-queries';
import { BatchRunner } from '../application/batches/batch-runner';
import { BatchSubmissions } from '../application/batches/batch-submissions';
import { BATCH_ITEM_INPUTS } from '../application/batches/batch-item-inputs';
import { BatchBodies } from '../infrastructure/http/batches/batch-bodies';
import { BatchesController } from '../infrastructure/http/batches/batches.controller';
import { ListProvisioningRequestsHandler } from '../application/queries/list-provisioning-requests.query';
import { ProvisioningRequestHistoryHandler } from '../application/queries/provisioning-request-history.query';
import { ShowProvisioningRequestHandler } from '../application/queries/show-provisioning-request.query';
import { RequestViewReader } from '../application/read-model/request-view.reader';
import { CreateRequestHandler } from '../application/request-types/create-request.handler';
import { AuthenticationController } from '../infrastructure/http/auth/authentication.controller';
import { ProcessingModule } from './processing.module';
import { KafkaCommands } from '../infrastructure/commands/kafka-commands';
import { ProvisioningRequestsController } from '../infrastructure/http/provisioning-requests/provisioning-requests.controller';

/** The REST routes of SPEC §2, §4, §8 and §10 (batches), and the same creates as Kafka commands (SPEC §9): login, one create handler for every request type, show, list, history, and the view they read. */
@Module({
  imports: [ProcessingModule],
  controllers: [AuthenticationController, ProvisioningRequestsController, BatchesController],
  providers: [
    BatchSubmissions,
    BatchRunner,
    BatchQueries,
    { provide: BatchBodies, useExisting: BATCH_ITEM_INPUTS },
    RequestViewReader,
    CreateRequestHandler,
    ShowProvisioningRequestHandler,
    ListProvisioningRequestsHandler,
    ProvisioningRequestHistoryHandler,
    KafkaCommands,
  ],
  exports: [KafkaCommands, BatchRunner],
})
export class ProvisioningRequestsModule {}
