import { Logger } from '@nestjs/common';
import { EventStore, RecordedEvent, SubscriptionItem } from '../ports/event-store.port';
import { LeaseStore } from '../ports/lease.port';
import { BusUnavailableError } from '../ports/message-bus.port';
import { StorageFailures } from '../ports/storage-failures.port';

/** With a lease, only the instance holding it runs the subscriber; the others stand by and take over. */
export interface SubscriberLease {
  leases: LeaseStore;
  owner: string;
  ttlMs: number;
  /** A database that is down or full is never the event's fault: no event is parked for it. */
  storageFailures?: StorageFailures;
}

export interface CatchUpHandler {
  /** Stable name; also the checkpoint's name. */
  readonly name: string;
  readonly streamPrefixes: readonly string[];
  /** Where to resume: the last position this handler has durably finished. */
  loadCheckpoint(): Promise<bigint | null>;
  /**
   * Handles events in order and durably records the last one's position as done, ideally in the same
   * transaction as its effects: one transaction per batch, not per event.
   */
  handleBatch(events: readonly RecordedEvent[]): Promise<void>;
  /** Records that `event` is parked (with why) and moves the checkpoint past it, in one transaction. */
  park(event: RecordedEvent, reason: string): Promise<void>;
  /**
   * Handles one parked event again, on an operator's request, without moving the checkpoint (the
   * subscription is far past it). Throws when it still cannot be handled.
   */
  redrive(event: RecordedEvent): Promise<void>;
  /**
   * The least time between the starts of two batches. Under load the events that arrive meanwhile wait and go
   * in the next batch, so a handler whose batch has a high fixed cost (a Kafka transaction) runs it at most
   * this often; an event arriving after a quiet spell still goes at once.
   */
  readonly batchIntervalMs?: number;
}

const RESTART_DELAY_MS = [100, 500, 1000, 2000, 5000];
/**
 * After this many failures in a row on the same event it is parked and the subscriber goes on. A store
 * that is down fails the parking write too, and neither a bus that is down or fenced (BusUnavailableError)
 * nor a database that is down or full (StorageFailures) ever counts, so an outage never parks anything; an event that cannot be
 * handled (a value no column holds, a shape no code reads) stops wedging the subscriber for ever.
 */
export const PARK_AFTER_FAILURES = 5;

/** The most events handed to a handler at once. */
export const SUBSCRIBER_BATCH_SIZE = 256;
const NOT_READY = Symbol('not ready');
type Pulled = IteratorResult<SubscriptionItem> | typeof NOT_READY;

/**
 * Feeds one durable handler from a catch-up subscription in batches: whatever the subscription can give
 * at once (up to SUBSCRIBER_BATCH_SIZE) goes to the handler together, so under load a handler writes one
 * transaction for many events, and when idle a single event goes at once. When the handler fails,
 * the subscription is dropped and resumed from the durable checkpoint after a growing pause, so an event
 * is never skipped; handlers are idempotent, so one handled twice changes nothing.
 */
export class CatchUpSubscriber {
  private readonly logger: Logger;
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  private lastPosition: bigint | null = null;
  private caughtUp = false;
  private failures = 0;
  private failingPosition: bigint | null = null;
  /** After a batch failed: handle one event at a time up to and including this position. */
  private singleStepUntil: bigint | null = null;
  /** The last failure was the bus's (down, fenced) or a database's (down, full): the event is not at fault, so it is never parked for it. */
  private busFailure = false;
  private parkedHere = 0;
  private lastError: string | null = null;
  /** The last lease write failed (the database is down or full), as opposed to another instance holding it. */
  private leaseError: string | null = null;
  private waiters = new Set<() => void>();

  private active = false;

  constructor(
    private readonly store: EventStore,
    readonly handler: CatchUpHandler,
    private readonly lease: SubscriberLease | null = null,
  ) {
    this.logger = new Logger(`Subscription:${handler.name}`);
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.running = this.runUntilStopped();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.running = null;
    if (this.lease && this.active) await this.lease.leases.release(this.handler.name, this.lease.owner).catch(() => undefined);
    this.active = false;
  }

  /** `active`: this instance runs the subscriber (it holds the lease, or there is none). */
  status(): { name: string; position: bigint | null; caughtUp: boolean; active: boolean; lastError: string | null; leaseError: string | null; parked: number } {
    return {
      name: this.handler.name,
      leaseError: this.leaseError,
      position: this.lastPosition,
      caughtUp: this.caughtUp,
      active: this.active,
      lastError: this.lastError,
      parked: this.parkedHere,
    };
  }

  /** Resolves true once the handler has finished `position`, false after `timeoutMs`. */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastPosition === null || this.lastPosition < position) {
      const left = deadline - Date.now();
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

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async runUntilStopped(): Promise<void> {
    const outer = this.abort.signal;
    while (!outer.aborted) {
      if (this.lease && !(await this.acquireLease())) {
        this.active = false;
        this.caughtUp = false;
        await sleep(this.lease.ttlMs / 3, outer);
        continue;
      }
      this.active = true;
      const inner = new AbortController();
      const forward = () => inner.abort();
      outer.addEventListener('abort', forward, { once: true });
      const renewal = this.lease ? setInterval(() => void this.renewOrYield(inner), this.lease.ttlMs / 3) : null;
      try {
        await this.follow(inner.signal);
      } finally {
        if (renewal) clearInterval(renewal);
        outer.removeEventListener('abort', forward);
      }
    }
  }

  private async acquireLease(): Promise<boolean> {
    try {
      const held = await this.lease!.leases.tryAcquire(this.handler.name, this.lease!.owner, this.lease!.ttlMs);
      this.leaseError = null;
      return held;
    } catch (error) {
      this.leaseError = (error as Error).message;
      this.lastError = `lease: ${this.leaseError}`;
      return false;
    }
  }

  /** Renews the lease; when it was lost (another instance took over, or it cannot be written), stops following. */
  private async renewOrYield(following: AbortController): Promise<void> {
    if (!(await this.acquireLease())) {
      if (this.leaseError !== null) {
        this.logger.warn(`Could not renew the lease (${this.leaseError}); standing by until the database answers again.`);
      } else {
        this.logger.warn('Lost the lease; another instance takes over.');
      }
      this.active = false;
      following.abort();
    }
  }

  /** Follows the store from the checkpoint until `signal` aborts or the handler fails (then pauses). */
  private async follow(signal: AbortSignal): Promise<void> {
    let current: readonly RecordedEvent[] = [];
    let iterator: AsyncIterator<SubscriptionItem> | null = null;
    try {
      this.lastPosition = await this.handler.loadCheckpoint();
      const subscription = this.store
        .subscribeToAll({ after: this.lastPosition, streamPrefixes: this.handler.streamPrefixes, signal })
        [Symbol.asyncIterator]();
      iterator = subscription;
      let pending: Promise<IteratorResult<SubscriptionItem>> | null = null;
      /** The next item; with `onlyIfReady`, NOT_READY unless the subscription can give it within this turn. */
      const pull = async (onlyIfReady: boolean): Promise<Pulled> => {
        pending ??= subscription.next();
        const pulled: Pulled = onlyIfReady
          ? await Promise.race([pending, new Promise<typeof NOT_READY>((resolve) => setImmediate(() => resolve(NOT_READY)))])
          : await pending;
        if (pulled !== NOT_READY) pending = null;
        return pulled;
      };
      let lastBatchStart = Number.NEGATIVE_INFINITY;
      for (;;) {
        const spacing = lastBatchStart + (this.handler.batchIntervalMs ?? 0) - performance.now();
        if (spacing > 0) await sleep(spacing, signal);
        const batch: RecordedEvent[] = [];
        let reachedEnd = false;
        // After a failed batch, one event at a time until past it, so that the one at fault is found and parked alone.
        const singleStep = this.singleStepUntil !== null && (this.lastPosition === null || this.lastPosition < this.singleStepUntil);
        const limit = singleStep ? 1 : SUBSCRIBER_BATCH_SIZE;
        for (;;) {
          const pulled = await pull(batch.length > 0);
          if (pulled === NOT_READY) break;
          if (pulled.done) return;
          if (pulled.value.kind === 'caught-up') {
            if (batch.length) {
              reachedEnd = true;
              break;
            }
            this.caughtUp = true;
            continue;
          }
          batch.push(pulled.value.event);
          if (batch.length >= limit) break;
        }
        current = batch;
        lastBatchStart = performance.now();
        const single = batch.length === 1 ? batch[0] : null;
        if (single && this.failingPosition === single.position && this.failures >= PARK_AFTER_FAILURES && !this.busFailure) {
          await this.handler.park(single, this.lastError ?? 'failed');
          this.parkedHere += 1;
          this.logger.error(`Parked ${single.type} at ${single.position} after ${this.failures} failures: ${this.lastError}`);
        } else {
          await this.handler.handleBatch(batch);
        }
        this.lastPosition = batch[batch.length - 1].position;
        if (this.failingPosition === null || this.lastPosition >= this.failingPosition) {
          this.failures = 0;
          this.failingPosition = null;
          this.lastError = null;
        }
        if (this.singleStepUntil !== null && this.lastPosition >= this.singleStepUntil) this.singleStepUntil = null;
        if (reachedEnd) this.caughtUp = true;
        this.notify();
      }
    } catch (error) {
      if (signal.aborted) return;
      this.caughtUp = false;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.busFailure = error instanceof BusUnavailableError || (this.lease?.storageFailures?.isUnavailable(error) ?? false);
      if (current.length > 1) {
        // A failed batch is retried one event at a time; only an event failing on its own counts towards parking.
        this.singleStepUntil = current[current.length - 1].position;
        this.failingPosition = null;
        this.failures = 0;
      } else if (current.length === 1 && current[0].position !== this.failingPosition) {
        this.failingPosition = current[0].position;
        this.failures = 0;
      }
      const delay = RESTART_DELAY_MS[Math.min(this.failures, RESTART_DELAY_MS.length - 1)];
      this.failures += 1;
      this.logger.error(`Handler failed (${this.lastError}); resuming from the checkpoint in ${delay} ms.`);
      await sleep(delay, signal);
    } finally {
      // Closes the subscription (queued behind a read in flight), so a failed handler leaves no reader behind.
      void iterator?.return?.()?.catch(() => undefined);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    }
  });
}
