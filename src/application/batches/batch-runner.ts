import { Inject, Injectable, Logger } from '@nestjs/common';
import { RefusedItem } from '../../domain/batch/batch.decider';
import { DomainError } from '../../domain/provisioning-request';
import { CommandContext, StreamCommandHandler } from '../command-handling/command-handler';
import { BATCH_ITEM_INPUTS, BatchItemInputs } from './batch-item-inputs';
import { BATCH_STORE, BatchStore } from '../ports/batch-store.port';
import { CLOCK, Clock } from '../ports/clock.port';
import { CreateRequestCommand, CreateRequestHandler } from '../request-types/create-request.handler';
import { batchStream } from './batch.stream';
import { summaryOf } from './batch-report';
import { BatchWakeups } from './batch-wakeups';

/**
 * Items created together: one write of their requests, then one progress event. Larger chunks are faster
 * (BENCHMARKS.md: 500 → 1,000 → 2,000 items took a 20,000-item batch from about 5,000 to 6,400 to 7,000 items/s)
 * but hold SQLite's write lock longer (about 70 µs an item), and every other append waits meanwhile.
 */
export const BATCH_CHUNK = 1_000;
/** How often the runner looks for work when nothing wakes it. */
const IDLE_POLL_MS = 2_000;
/** An upload no batch names after this long was left by a submission that died before its append. */
const UNNAMED_UPLOAD_TTL_MS = 60 * 60 * 1000;

/**
 * Turns running batches into requests (SPEC §10), a chunk at a time: each accepted item is created through the
 * same command as its route, with its id derived from the batch and the line, then the batch stream records the
 * chunk's progress. A runner that dies anywhere resumes at the first chunk the stream has not recorded: its
 * items that were already created are repeats (same id, nothing new), so no item is ever created twice. Two
 * instances running the same batch duplicate work, never effects: progress only moves forward, under the
 * stream's expected revision.
 */
@Injectable()
export class BatchRunner {
  private readonly logger = new Logger(BatchRunner.name);
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private lastSweep = 0;

  constructor(
    private readonly commands: StreamCommandHandler,
    private readonly creates: CreateRequestHandler,
    @Inject(BATCH_STORE) private readonly store: BatchStore,
    @Inject(BATCH_ITEM_INPUTS) private readonly inputs: BatchItemInputs,
    @Inject(CLOCK) private readonly clock: Clock,
    wakeups: BatchWakeups,
  ) {
    wakeups.listen(() => this.wake());
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.running = this.loop(this.abort.signal);
  }

  /** Stops between two chunks: the chunk in hand finishes; the next start resumes after it. */
  async stop(): Promise<void> {
    this.abort?.abort();
    this.wakeUp?.();
    await this.running;
    this.running = null;
  }

  /** Looks for work now (a batch was submitted). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      try {
        if (this.clock.now().getTime() - this.lastSweep >= UNNAMED_UPLOAD_TTL_MS / 4) {
          this.lastSweep = this.clock.now().getTime();
          await this.sweepUnnamedUploads();
        }
        for (const batchId of await this.store.runningBatches()) {
          if (signal.aborted) break;
          await this.run(batchId, signal);
        }
      } catch (error) {
        // A database that is down: the next turn tries again from what the streams recorded.
        this.logger.error(`Batch run failed: ${(error as Error).message}`);
      }
      if (!this.woken && !signal.aborted) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, IDLE_POLL_MS);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }

  /** Runs one batch to its end (or until stopped), chunk by chunk. */
  private async run(batchId: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      const { state, history } = await this.commands.load(batchStream, batchId);
      if (state.status === 'Initial') return;
      if (state.status === 'Done') {
        // Listed as running only because the index is behind: it is set right now.
        await this.store.saveSummary(summaryOf(state, this.clock.now().toISOString()), state.submitted.upload_id);
        return;
      }
      if (signal.aborted) return;
      const submittedBy = history[0];
      // The requests are the submitter's, in the submission's conversation.
      const context: CommandContext = { user: submittedBy.metadata.user, correlationId: submittedBy.metadata.correlation_id, causationId: submittedBy.eventId };
      const items = await this.store.acceptedItems(state.submitted.upload_id, state.throughLine, BATCH_CHUNK);
      if (items.length === 0) {
        await this.commands.handle(batchStream, batchId, { type: 'CompleteBatch', now: this.clock.now() }, { context, metric: 'complete_batch' });
        continue;
      }
      const { submitted } = state;
      const refused: RefusedItem[] = [];
      const readable: Array<CreateRequestCommand['input']> = [];
      for (const { line, body } of items) {
        try {
          const input = this.inputs.inputOf(submitted.type, JSON.parse(body));
          readable.push({ ...input, idempotencyKey: null, organisation: submitted.organisation, batchItem: { batchId, line, processName: submitted.process_name } });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          refused.push({ line, error: error.description });
        }
      }
      // The whole chunk in one write; a process_immediately item is sent at once by the saga, never waited for here.
      const outcomes = await this.creates.createBatchItems(submitted.type, readable, context);
      outcomes.forEach((refusal, i) => refusal && refused.push({ line: readable[i].batchItem!.line, error: refusal.description }));
      refused.sort((a, b) => a.line - b.line);
      // Before the progress event, so that a crash in between marks them again on the retry.
      await this.store.markRefused(submitted.upload_id, refused);
      // The batch index follows this event into the list.
      await this.commands.handle(
        batchStream,
        batchId,
        { type: 'RecordCreated', throughLine: items[items.length - 1].line, created: items.length - refused.length, refused },
        { context, metric: 'batch_progress' },
      );
    }
  }

  /**
   * Deletes uploads staged over an hour ago that no batch names (their submission died before its append);
   * answers how many. The runner does it every quarter of an hour.
   */
  async sweepUnnamedUploads(): Promise<number> {
    let swept = 0;
    for (const { uploadId, batchId } of await this.store.unnamedUploads(new Date(this.clock.now().getTime() - UNNAMED_UPLOAD_TTL_MS), 100)) {
      const { state } = await this.commands.load(batchStream, batchId);
      // The stream has the last word: an upload its submission names is kept (the index is merely behind).
      if (state.status === 'Initial' || state.submitted.upload_id !== uploadId) {
        await this.store.deleteUpload(uploadId);
        swept += 1;
      }
    }
    return swept;
  }
}
