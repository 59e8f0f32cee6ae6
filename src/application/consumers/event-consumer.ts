import { Logger } from '@nestjs/common';
import { EventStore, RecordedEvent, SubscriptionItem } from '../ports/event-store.port';
import { LeaseStore } from '../ports/lease.port';
import { StorageFailures } from '../ports/storage-failures.port';
import { EventProcessor } from './event-processor';
import { ProcessorLane, ProcessorStatus, QUEUE_LIMIT, ReaderLink, RESTART_DELAY_MS, wakeableSleep } from './processor-lane';

/** With leases, only the instance holding a processor's lease runs it; the others stand by and take over. */
export interface ProcessorLeases {
  leases: LeaseStore;
  owner: string;
  ttlMs: number;
}

export interface EventConsumerOptions {
  leases: ProcessorLeases | null;
  /** A database that is down or full is never the event's fault: no event is parked for it. */
  storageFailures?: StorageFailures;
}

/** How long the reader waits for a full queue to make room before that processor falls behind. */
export const FULL_QUEUE_WAIT_MS = 1_000;

/**
 * The runtime of the durable processors of one instance: ONE reader of the event log feeds every processor
 * (projection, saga, integration-event shipper) from the lowest position any of them needs; each processor
 * drains its own queue in batches (whatever has arrived, up to BATCH_SIZE, at most once per its batch interval),
 * so it writes one transaction for many events under load and a lone event goes at once. The runtime alone
 * owns reading, the processors' leases (each fenced on its own name), retries with growing pauses, one-at-a-time
 * retry after a failed batch, and parking; a failing processor stops being fed, and once its pause is over the
 * reader re-reads from its checkpoint while the others skip what they already have. An event is never skipped:
 * a processor's position only moves past what it handled or parked.
 */
export class EventConsumer implements ReaderLink {
  private readonly logger = new Logger('EventConsumer');
  readonly lanes: readonly ProcessorLane[];
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  private renewal: NodeJS.Timeout | null = null;
  /** Aborts the reader's current pass so that it starts again from the lowest position a processor needs. */
  private restartReading: (() => void) | null = null;
  private readerAsleep: (() => void) | null = null;
  private readRequested = false;
  /** The reader's current pass has reached the live end (and has not failed since). */
  private readerCaughtUp = false;
  private liveEnd: bigint | null = null;
  private readFailures = 0;
  private readError: string | null = null;
  private readonly streamPrefixes: readonly string[];

  constructor(
    private readonly store: EventStore,
    processors: readonly EventProcessor[],
    private readonly options: EventConsumerOptions,
  ) {
    const names = new Set(processors.map((processor) => processor.name));
    if (names.size !== processors.length) throw new Error('Two processors share a name.');
    this.lanes = processors.map((processor) => new ProcessorLane(processor, this, options.storageFailures));
    this.streamPrefixes = [...new Set(processors.flatMap((processor) => processor.streamPrefixes))];
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    for (const lane of this.lanes) lane.reset(this.options.leases === null);
    const lanesRunning = this.lanes.map((lane) => lane.drain(signal));
    if (this.options.leases) {
      const leases = this.options.leases;
      const renew = () => void this.renewLeases(leases, signal);
      renew();
      this.renewal = setInterval(renew, leases.ttlMs / 3);
    }
    this.running = Promise.all([this.read(signal), ...lanesRunning]).then(() => undefined);
  }

  /** Each processor stops at its checkpoint (the batch in hand finishes first); held leases are released. */
  async stop(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    this.abort.abort();
    this.restartReading?.();
    this.readerAsleep?.();
    await this.running;
    this.running = null;
    if (this.options.leases) {
      const { leases, owner } = this.options.leases;
      await Promise.all(this.lanes.filter((lane) => lane.active).map((lane) => leases.release(lane.processor.name, owner).catch(() => undefined)));
    }
    for (const lane of this.lanes) lane.active = false;
  }

  /** The processor of this name, or null. */
  named(name: string): ProcessorLane | null {
    return this.lanes.find((lane) => lane.processor.name === name) ?? null;
  }

  statuses(): ProcessorStatus[] {
    return this.lanes.map((lane) => lane.status());
  }

  /** True when a processor at `position` has everything up to the live end of the log that the reader has seen. */
  reachedLiveEnd(position: bigint | null): boolean {
    if (this.readerCaughtUp) return true;
    return this.liveEnd !== null && position !== null && position >= this.liveEnd;
  }

  get lastReadError(): string | null {
    return this.readError;
  }

  /**
   * A lane that fell behind, came back after a pause, or was taken over asks for a re-read from its position.
   * The request stays until the reader starts its next pass (whatever the reader is doing when it comes), so it
   * is never lost.
   */
  requestRead(): void {
    this.readRequested = true;
    this.restartReading?.();
    this.readerAsleep?.();
  }

  /** A lane took a batch from its queue: a reader waiting for room goes on. */
  roomMade(): void {
    this.readerAsleep?.();
  }

  private async renewLeases(leases: ProcessorLeases, signal: AbortSignal): Promise<void> {
    for (const lane of this.lanes) {
      if (signal.aborted) return;
      let held: boolean;
      try {
        held = await leases.leases.tryAcquire(lane.processor.name, leases.owner, leases.ttlMs);
        lane.leaseError = null;
      } catch (error) {
        lane.leaseError = (error as Error).message;
        lane.lastError = `lease: ${lane.leaseError}`;
        held = false;
      }
      if (signal.aborted) return;
      if (held && !lane.active) {
        lane.takeOver();
        this.requestRead();
      } else if (!held && lane.active) {
        if (lane.leaseError !== null) lane.logger.warn(`Could not renew the lease (${lane.leaseError}); standing by until the database answers again.`);
        else lane.logger.warn('Lost the lease; another instance takes over.');
        lane.standBy();
      }
    }
  }

  /** The one reader: passes over the log from the lowest position a fed processor needs, until told to start again. */
  private async read(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Every request for a re-read made until now is answered by this pass.
      this.readRequested = false;
      const now = performance.now();
      const due = this.lanes.filter((lane) => lane.active && lane.retryAt <= now);
      for (const lane of due) if (lane.needsResume) await lane.resume();
      const fed = due.filter((lane) => !lane.needsResume && !lane.behind && lane.active);
      if (fed.length === 0) {
        const next = Math.min(...this.lanes.filter((lane) => lane.active).map((lane) => lane.retryAt));
        if (!this.readRequested) await this.sleepUntilWoken(Number.isFinite(next) ? Math.max(next - now, 1) : 250, signal);
        continue;
      }
      const starts = fed.map((lane) => lane.readFrom());
      const from = starts.includes(null) ? null : (starts as bigint[]).reduce((low, position) => (position < low ? position : low));
      await this.pass(from, signal);
    }
  }

  private async pass(from: bigint | null, outer: AbortSignal): Promise<void> {
    const inner = new AbortController();
    const stopPass = () => inner.abort();
    outer.addEventListener('abort', stopPass, { once: true });
    this.restartReading = stopPass;
    // Asked for while this pass was being planned (a lane resuming, another taken over): plan again.
    if (this.readRequested) stopPass();
    this.readerCaughtUp = false;
    let iterator: AsyncIterator<SubscriptionItem> | null = null;
    try {
      iterator = this.store.subscribeToAll({ after: from, streamPrefixes: this.streamPrefixes, signal: inner.signal })[Symbol.asyncIterator]();
      while (!inner.signal.aborted) {
        const next = await iterator.next();
        if (next.done || inner.signal.aborted) return;
        this.readFailures = 0;
        this.readError = null;
        const item = next.value;
        if (item.kind === 'caught-up') {
          // The live end as of now: a processor at or past it is caught up even while a re-read for another runs.
          this.readerCaughtUp = true;
          if (item.position !== null && (this.liveEnd === null || item.position > this.liveEnd)) this.liveEnd = item.position;
          for (const lane of this.lanes) {
            if (item.position !== null) lane.reachedLiveEnd(item.position);
            lane.notify();
          }
          continue;
        }
        for (const lane of this.lanes) {
          if (lane.offer(item.event)) continue;
          // Its queue is full: wait, bounded, for it to take a batch; then it either has room or falls behind.
          const deadline = performance.now() + FULL_QUEUE_WAIT_MS;
          while (lane.isFull() && performance.now() < deadline && !inner.signal.aborted) await this.sleepUntilWoken(deadline - performance.now(), inner.signal);
          if (inner.signal.aborted) return;
          if (!lane.offer(item.event)) lane.fallBehind();
        }
      }
    } catch (error) {
      if (inner.signal.aborted) return;
      this.readerCaughtUp = false;
      this.readError = (error as Error).message;
      const delay = RESTART_DELAY_MS[Math.min(this.readFailures, RESTART_DELAY_MS.length - 1)];
      this.readFailures += 1;
      this.logger.error(`Reading the event log failed (${this.readError}); reading again in ${delay} ms.`);
      await this.sleepUntilWoken(delay, outer);
    } finally {
      outer.removeEventListener('abort', stopPass);
      if (this.restartReading === stopPass) this.restartReading = null;
      inner.abort();
      // Closes the subscription without waiting for a read in flight behind it.
      void iterator?.return?.()?.catch(() => undefined);
    }
  }

  private sleepUntilWoken(ms: number, signal: AbortSignal): Promise<void> {
    return wakeableSleep(
      ms,
      signal,
      (wake) => (this.readerAsleep = wake),
      (wake) => {
        if (this.readerAsleep === wake) this.readerAsleep = null;
      },
    );
  }
}
