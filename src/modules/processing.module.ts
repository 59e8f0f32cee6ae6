import { Module } from '@nestjs/common';
import { DispatchSaga } from '../application/processing/dispatch-saga';
import { IntegrationEventPublisher } from '../application/processing/integration-event-publisher';
import { OutcomeRecorder } from '../application/processing/outcome-recorder';
import { ProcessingRun } from '../application/processing/processing-run';
import { RequestDispatcher } from '../application/processing/request-dispatcher';

/** SPEC §5: the processing run, the dispatch saga towards the connector, the outcome recorder, integration events. */
@Module({
  providers: [RequestDispatcher, DispatchSaga, ProcessingRun, OutcomeRecorder, IntegrationEventPublisher],
  exports: [DispatchSaga, ProcessingRun, OutcomeRecorder, IntegrationEventPublisher],
})
export class ProcessingModule {}
