import { Inject, Injectable } from '@nestjs/common';
import { StreamCommandHandler } from '../command-handling/command-handler';
import { BATCH_STORE, BatchStore, BatchSummary } from '../ports/batch-store.port';
import { batchStream } from './batch.stream';
import { BatchReport, MAX_REPORTED_REFUSALS, reportOf } from './batch-report';

/** How many batches the list answers (newest first). */
export const BATCH_LIST_LIMIT = 200;

/** What a caller may see of batches: only their own organisation's. */
@Injectable()
export class BatchQueries {
  constructor(
    private readonly commands: StreamCommandHandler,
    @Inject(BATCH_STORE) private readonly store: BatchStore,
  ) {}

  /** The batch as its stream stands now (never behind a submission just answered); null when it is not this organisation's. */
  async show(batchId: string, organisation: string): Promise<BatchReport | null> {
    const { state } = await this.commands.load(batchStream, batchId);
    if (state.status === 'Initial' || state.submitted.organisation !== organisation) return null;
    return reportOf(state, await this.store.refusedItems(state.submitted.upload_id, MAX_REPORTED_REFUSALS));
  }

  list(organisation: string): Promise<BatchSummary[]> {
    return this.store.list(organisation, BATCH_LIST_LIMIT);
  }
}
