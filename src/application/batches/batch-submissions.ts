import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BatchState } from '../../domain/batch/batch.decider';
import { RequestType } from '../../domain/provisioning-request';
import { CommandContext, StreamCommandHandler } from '../command-handling/command-handler';
import { BATCH_STORE, BatchStore, StagedItem } from '../ports/batch-store.port';
import { CLOCK, Clock } from '../ports/clock.port';
import { derivedId, ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { batchStream } from './batch.stream';
import { BatchReport, MAX_REPORTED_REFUSALS, reportOf } from './batch-report';

/** SPEC §10: at most this many items in one batch. */
export const MAX_BATCH_ITEMS = 100_000;

export interface BatchSubmission {
  type: RequestType;
  /** Every item of the upload, in line order: valid ones with their body, refused ones with why. */
  items: readonly StagedItem[];
  organisation: string;
  idempotencyKey: string | null;
  context: CommandContext;
}

/** sha256 of the type and the items as submitted: the same upload has the same digest. */
function digestOf(type: RequestType, items: readonly StagedItem[]): string {
  const hash = createHash('sha256').update(type);
  for (const item of items) hash.update(`\u0000${item.line}\u0000${item.body ?? ''}\u0000${item.error ?? ''}`);
  return hash.digest('hex');
}

/**
 * Submits a batch (SPEC §10): the items are staged under a fresh upload id, then the batch stream records the
 * submission naming that upload, and the answer comes at once (the batch runner creates the requests). With an
 * Idempotency-Key the batch id is derived from the caller and the key: a re-submission finds the stream and is
 * answered with the batch as it stands, staging nothing; a crash between staging and the append leaves an
 * upload no batch names, which the runner sweeps.
 */
@Injectable()
export class BatchSubmissions {
  constructor(
    private readonly commands: StreamCommandHandler,
    @Inject(BATCH_STORE) private readonly store: BatchStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async submit({ type, items, organisation, idempotencyKey, context }: BatchSubmission): Promise<BatchReport> {
    const batchId = idempotencyKey === null ? this.ids.newId() : derivedId('batch', organisation, context.user.id, idempotencyKey);
    const digest = digestOf(type, items);
    const accepted = items.filter((item) => item.body !== null).length;
    const commandFor = async (state: BatchState) => {
      // A batch that exists is decided on as it is: the same items are a repeat, others a conflict.
      const uploadId = state.status === 'Initial' ? this.ids.newId() : state.submitted.upload_id;
      if (state.status === 'Initial') await this.store.stage(uploadId, batchId, items, this.clock.now());
      return {
        type: 'SubmitBatch' as const,
        submission: { batch_id: batchId, type, organisation, upload_id: uploadId, digest, total: items.length, accepted, rejected: items.length - accepted },
        now: this.clock.now(),
      };
    };
    const handled = await this.commands.handle(batchStream, batchId, commandFor, { context, metric: 'submit_batch', newStream: idempotencyKey === null });
    const { state } = handled;
    if (state.status === 'Initial') throw new Error(`Batch ${batchId} was not stored.`);
    return reportOf(state, await this.store.refusedItems(state.submitted.upload_id, MAX_REPORTED_REFUSALS));
  }
}
