import { Inject, Injectable } from '@nestjs/common';
import { BATCH_STREAM_PREFIX } from '../../domain/batch/batch.decider';
import { StreamCommandHandler } from '../command-handling/command-handler';
import { EventProcessor } from '../consumers/event-processor';
import { BATCH_STORE, BatchStore } from '../ports/batch-store.port';
import { RecordedEvent } from '../ports/event-store.port';
import { SUBSCRIBER_CHECKPOINTS, SubscriberCheckpoints } from '../ports/subscriber-checkpoints.port';
import { batchStream } from './batch.stream';
import { summaryOf } from './batch-report';
import { BatchWakeups } from './batch-wakeups';

/**
 * The batches' list, from the batch streams: each batch an event touched is folded and its row written as the
 * stream now stands (so a redelivered event changes nothing), then the runner is woken. This is what
 * guarantees a submitted batch is run: its row, RUNNING, is where the runner looks for work, even when the
 * process that submitted it died right after the append.
 */
@Injectable()
export class BatchIndexProjection implements EventProcessor {
  readonly name = 'batch_index';
  readonly streamPrefixes = [BATCH_STREAM_PREFIX];

  constructor(
    @Inject(SUBSCRIBER_CHECKPOINTS) private readonly checkpoints: SubscriberCheckpoints,
    @Inject(BATCH_STORE) private readonly store: BatchStore,
    private readonly commands: StreamCommandHandler,
    private readonly wakeups: BatchWakeups,
  ) {}

  resumeFrom(): Promise<bigint | null> {
    return this.checkpoints.checkpoint(this.name);
  }

  park(recorded: RecordedEvent, reason: string): Promise<void> {
    return this.checkpoints.parkEvent(this.name, recorded, reason);
  }

  /** Batches are rare: the log between them is recorded as done, so no pass of the reader starts from an old batch. */
  skipTo(position: bigint): Promise<void> {
    return this.checkpoints.advanceCheckpoint(this.name, position);
  }

  async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const streamId of new Set(events.map((event) => event.streamId))) await this.index(streamId, events.find((event) => event.streamId === streamId)!);
    await this.checkpoints.advanceCheckpoint(this.name, events[events.length - 1].position);
    this.wakeups.wake();
  }

  async redrive(parked: RecordedEvent): Promise<void> {
    await this.index(parked.streamId, parked);
    this.wakeups.wake();
  }

  private async index(streamId: string, recorded: RecordedEvent): Promise<void> {
    const { state } = await this.commands.load(batchStream, streamId.slice(BATCH_STREAM_PREFIX.length));
    if (state.status === 'Initial') return;
    await this.store.saveSummary(summaryOf(state, recorded.metadata.timestamp), state.submitted.upload_id);
  }
}
