import { Logger } from '@nestjs/common';
import { RecordedEvent } from '../ports/event-store.port';
import { BusUnavailableError } from '../ports/message-bus.port';
import { StorageFailures } from '../ports/storage-failures.port';
import { EventProcessor } from './event-processor';

export interface ProcessorStatus {
  name: string;
  /** The last position it finished (as far as this instance knows). */
  position: bigint | null;
  caughtUp: boolean;
  /** This instance runs it (holds its lease, or there is none). */
  active: boolean;
  lastError: string | null;
  /** The last lease write failed (the database is down or full), as opposed to another instance holding it. */
  leaseError: string | null;
  parked: number;
}

/** What a lane asks of the consumer's one reader. */
export interface ReaderLink {
  /** Read the log again from the lowest position a fed processor needs. */
  requestRead(): void;
  /** A batch was taken from a queue: a reader waiting for room goes on. */
  roomMade(): void;
  reachedLiveEnd(position: bigint | null): boolean;
  readonly lastReadError: string | null;
}

export const RESTART_DELAY_MS = [100, 500, 1000, 2000, 5000];
/**
 * After this many failures in a row on the same event it is parked and the processor goes on. A store that is
 * down fails the parking write too, and neither a bus that is down or fenced (BusUnavailableError) nor a
 * database that is down or full (StorageFailures) ever counts, so an outage never parks anything; an event
 * that cannot be handled (a value no column holds, a shape no code reads) stops wedging its processor for ever.
 */
export const PARK_AFTER_FAILURES = 5;
/** The most events handed to a processor at once. */
export const BATCH_SIZE = 256;
/**
 * The most events waiting for one processor. A processor that falls this far behind the reader (slow, or
 * failing) stops being fed and catches up later by a re-read from its own position: one slow processor never
 * holds the others back, and memory stays bounded.
 */
export const QUEUE_LIMIT = 4 * BATCH_SIZE;

/** The least time between two idle checkpoints of one processor (EventProcessor.skipTo). */
export const IDLE_CHECKPOINT_MS = 5_000;

/** One processor as the runtime runs it: its lease, its queue, its position, its failures. */
export class ProcessorLane {
  readonly logger: Logger;
  /** The last position it finished, as far as this instance knows (null: nothing yet). */
  position: bigint | null = null;
  active = false;
  /** Its position must be read again (resumeFrom) before it is fed: at the start, after a take-over, after a failure. */
  needsResume = true;
  /** It is not fed now: its queue overflowed or a batch failed; it catches up by a re-read. */
  behind = false;
  /** performance.now() before which it is not fed again (the pause after a failure). */
  retryAt = 0;
  lastError: string | null = null;
  leaseError: string | null = null;
  private queue: RecordedEvent[] = [];
  private queuedUpTo: bigint | null = null;
  private inFlight = false;
  private failures = 0;
  private failingPosition: bigint | null = null;
  /** After a batch failed: handle one event at a time up to and including this position. */
  private singleStepUntil: bigint | null = null;
  /** The last failure was the bus's (down, fenced) or a database's (down, full): the event is not at fault. */
  private outageFailure = false;
  private parkedHere = 0;
  private lastBatchStart = Number.NEGATIVE_INFINITY;
  /** The reader reached the live end here with nothing queued or in hand for this processor (see skipTo). */
  private idleThrough: bigint | null = null;
  private lastIdleCheckpoint = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly processor: EventProcessor,
    private readonly consumer: ReaderLink,
    private readonly storageFailures: StorageFailures | undefined,
  ) {
    this.logger = new Logger(`Processor:${processor.name}`);
  }

  reset(active: boolean): void {
    this.active = active;
    this.needsResume = true;
    this.behind = false;
    this.retryAt = 0;
    this.dropQueue();
  }

  takeOver(): void {
    this.active = true;
    this.needsResume = true;
    this.retryAt = 0;
    this.dropQueue();
  }

  standBy(): void {
    this.active = false;
    this.needsResume = true;
    this.dropQueue();
  }

  status(): ProcessorStatus {
    const fed = this.active && !this.needsResume && !this.behind && !this.inFlight && this.queue.length === 0;
    return {
      name: this.processor.name,
      position: this.position,
      caughtUp: fed && this.consumer.reachedLiveEnd(this.position),
      active: this.active,
      lastError: this.lastError ?? (this.active ? this.consumer.lastReadError : null),
      leaseError: this.leaseError,
      parked: this.parkedHere,
    };
  }

  /** Where the reader must start for this lane: after what it has finished or already has queued. */
  readFrom(): bigint | null {
    return this.queuedUpTo ?? this.position;
  }

  async resume(): Promise<void> {
    try {
      this.position = await this.processor.resumeFrom();
      this.needsResume = false;
      this.dropQueue();
    } catch (error) {
      this.failed(error, []);
    }
  }

  /**
   * The reader hands over one event; a lane that is not fed now, or has it already, lets it pass. False only
   * when its queue is full (the reader then waits for room, or lets it fall behind).
   */
  offer(event: RecordedEvent): boolean {
    if (!this.active || this.needsResume || this.behind || this.retryAt > performance.now()) return true;
    const after = this.readFrom();
    if (after !== null && event.position <= after) return true;
    if (!this.processor.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) return true;
    if (this.isFull()) return false;
    this.queue.push(event);
    this.queuedUpTo = event.position;
    this.wake?.();
    return true;
  }

  isFull(): boolean {
    return this.queue.length >= QUEUE_LIMIT && this.active && !this.behind;
  }

  /** Too far behind the reader: it is not fed until it has worked off its batch and asks for a re-read from its position. */
  fallBehind(): void {
    this.behind = true;
    this.dropQueue();
  }

  notify(): void {
    this.wake?.();
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves true once it has finished `position`, false after `timeoutMs`. */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.position === null || this.position < position) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 250));
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
    return true;
  }

  /**
   * The reader reached the live end at `position`: a processor that has everything of its own up to there
   * (fed, nothing queued, nothing in hand) may record it as done (EventProcessor.skipTo), from its drain loop.
   */
  reachedLiveEnd(position: bigint): void {
    const fed = this.active && !this.needsResume && !this.behind && this.retryAt <= performance.now();
    if (!this.processor.skipTo || !fed || this.inFlight || this.queue.length > 0) return;
    if (this.position !== null && this.position >= position) return;
    this.idleThrough = position;
  }

  /** Handles what is queued, batch by batch, until the consumer stops (the batch in hand finishes first). */
  async drain(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.idleThrough !== null && this.queue.length === 0 && this.active && !this.behind && !this.needsResume && performance.now() - this.lastIdleCheckpoint >= IDLE_CHECKPOINT_MS) {
        const through = this.idleThrough;
        this.idleThrough = null;
        // Something of its own was handled since: its checkpoint is already there or past it.
        if (this.position !== null && this.position >= through) continue;
        this.lastIdleCheckpoint = performance.now();
        try {
          await this.processor.skipTo!(through);
          // Only forward: an event queued meanwhile is past `through` (the reader had offered everything up to it).
          if (this.position === null || through > this.position) this.position = through;
          if (this.queuedUpTo !== null && this.queuedUpTo < through) this.queuedUpTo = through;
          this.notify();
        } catch (error) {
          // Best effort: the next time the reader is caught up tries again; nothing of its own was skipped.
          this.logger.warn(`Could not record its idle position ${through} (${(error as Error).message}).`);
        }
        continue;
      }
      if (!this.active || this.queue.length === 0) {
        // Worked off, but not fed (it fell behind, or failed): once its pause is over it rejoins with a re-read from its position.
        if (this.active && this.behind && this.retryAt <= performance.now()) {
          this.behind = false;
          this.consumer.requestRead();
        }
        const pause = this.active && this.retryAt > performance.now() ? this.retryAt - performance.now() : 250;
        await this.sleep(pause, signal);
        continue;
      }
      const spacing = this.lastBatchStart + (this.processor.batchIntervalMs ?? 0) - performance.now();
      if (spacing > 0) await this.sleep(spacing, signal, false);
      // One turn for the reader to queue whatever the log has ready, so that under load a batch is full.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted || !this.active || this.queue.length === 0) continue;
      const singleStep = this.singleStepUntil !== null && (this.position === null || this.position < this.singleStepUntil);
      const batch = this.queue.splice(0, singleStep ? 1 : BATCH_SIZE);
      this.consumer.roomMade();
      await this.handle(batch);
    }
  }

  private async handle(batch: RecordedEvent[]): Promise<void> {
    this.inFlight = true;
    this.lastBatchStart = performance.now();
    const single = batch.length === 1 ? batch[0] : null;
    try {
      if (single && this.failingPosition === single.position && this.failures >= PARK_AFTER_FAILURES && !this.outageFailure) {
        await this.processor.park(single, this.lastError ?? 'failed');
        this.parkedHere += 1;
        this.logger.error(`Parked ${single.type} at ${single.position} after ${this.failures} failures: ${this.lastError}`);
      } else {
        await this.processor.handle(batch);
      }
      this.position = batch[batch.length - 1].position;
      if (this.failingPosition === null || this.position >= this.failingPosition) {
        this.failures = 0;
        this.failingPosition = null;
        this.lastError = null;
      }
      if (this.singleStepUntil !== null && this.position >= this.singleStepUntil) this.singleStepUntil = null;
      this.notify();
    } catch (error) {
      this.failed(error, batch);
    } finally {
      this.inFlight = false;
    }
  }

  /** A failed batch (or resume): nothing of it counts as done; after a pause it is read again from the checkpoint. */
  private failed(error: unknown, batch: readonly RecordedEvent[]): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    this.outageFailure = error instanceof BusUnavailableError || (this.storageFailures?.isUnavailable(error) ?? false);
    if (batch.length > 1) {
      // A failed batch is retried one event at a time; only an event failing on its own counts towards parking.
      this.singleStepUntil = batch[batch.length - 1].position;
      this.failingPosition = null;
      this.failures = 0;
    } else if (batch.length === 1 && batch[0].position !== this.failingPosition) {
      this.failingPosition = batch[0].position;
      this.failures = 0;
    }
    const delay = RESTART_DELAY_MS[Math.min(this.failures, RESTART_DELAY_MS.length - 1)];
    this.failures += 1;
    this.needsResume = true;
    this.behind = true;
    this.retryAt = performance.now() + delay;
    this.dropQueue();
    this.logger.error(`Failed (${this.lastError}); resuming from the checkpoint in ${delay} ms.`);
  }

  private dropQueue(): void {
    this.queue = [];
    this.queuedUpTo = null;
  }

  private sleep(ms: number, signal: AbortSignal, wakeable = true): Promise<void> {
    return wakeableSleep(
      ms,
      signal,
      (wake) => {
        if (wakeable) this.wake = wake;
      },
      (wake) => {
        if (this.wake === wake) this.wake = null;
      },
    );
  }
}

export /** Sleeps `ms`, or until the signal aborts, or until the wake function it hands to `expose` is called. */
function wakeableSleep(ms: number, signal: AbortSignal, expose: (wake: () => void) => void, forget: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      forget(finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    expose(finish);
    if (signal.aborted) finish();
  });
}
