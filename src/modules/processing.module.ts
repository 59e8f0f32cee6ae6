import { OperatorActions } from '../application/operations/operator-actions';
import { ConaxProvider } from '../application/operations/conax-provider';
import { Module } from '@nestjs/common';
import { BatchIndexProjection } from '../application/batches/batch-index.projection';
import { BatchWakeups } from '../application/batches/batch-wakeups';
import { DispatchSaga } from '../application/processing/dispatch-saga';
import { IntegrationEventPublisher } from '../application/processing/integration-event-publisher';
import { OutcomeRecorder } from '../application/processing/outcome-recorder';
import { ProcessingRun } from '../application/processing/processing-run';
import { RequestDispatcher } from '../application/processing/request-dispatcher';
import { ServiceConsumer } from '../application/processing/service-consumer';
import { RequestViewProjection } from '../application/read-model/request-view.projection';

/**
 * Processing the event log and SPEC §5: the consumer with its processors (the request view, the dispatch saga
 * towards the connector, integration events), the processing run and the outcome recorder; the batches' index (SPEC §10), which wakes the batch runner.
 */
@Module({
  providers: [
    RequestDispatcher,
    DispatchSaga,
    ProcessingRun,
    OutcomeRecorder,
    IntegrationEventPublisher,
    RequestViewProjection,
    ServiceConsumer,
    OperatorActions,
    ConaxProvider,
    BatchWakeups,
    BatchIndexProjection,
  ],
  exports: [ProcessingRun, OutcomeRecorder, ServiceConsumer, OperatorActions, ConaxProvider, BatchWakeups],
})
export class ProcessingModule {}
