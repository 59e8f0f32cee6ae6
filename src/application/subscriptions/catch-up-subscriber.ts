import { Logger } from '@nestjs/common';
import { EventStore, RecordedEvent } from '../ports/event-store.port';
import { LeaseStore } from '../ports/lease.port';
import { BusUnavailableError } from '../ports/message-bus.port';

/** With a lease, only the instance holding it runs the subscriber; the others stand by and take over. */
export interface SubscriberLease {
  leases: LeaseStore;
  owner: string;
  ttlMs: number;
}

export interface CatchUpHandler {
  /** Stable name; also the checkpoint's name. */
  readonly name: string;
  readonly streamPrefixes: readonly string[];
  /** Where to resume: the last position this handler has durably finished. */
  loadCheckpoint(): Promise<bigint | null>;
  /** Handles one event and durably records `event.position` as done (ideally in the same transaction). */
  handle(event: RecordedEvent): Promise<void>;
  /** Records that `event` is parked (with why) and moves the checkpoint past it, in one transaction. */
  park(event: RecordedEvent, reason: string): Promise<void>;
}

const RESTART_DELAY_MS = [100, 500, 1000, 2000, 5000];
/**
 * After this many failures in a row on the same event it is parked and the subscriber goes on. A store
 * that is down fails the parking write too, and a bus that is down or fenced (BusUnavailableError) never
 * counts, so an outage never parks anything; an event that cannot be
 * handled (a value no column holds, a shape no code reads) stops wedging the subscriber for ever.
 */
export const PARK_AFTER_FAILURES = 5;

/**
 * Feeds one durable handler from a catch-up subscription, one event at a time. When the handler fails,
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
  /** The last failure was the bus's (down, fenced): the event is not at fault, so it is never parked for it. */
  private busFailure = false;
  private parkedHere = 0;
  private lastError: string | null = null;
  private waiters = new Set<() => void>();

  private active = false;

  constructor(
    private readonly store: EventStore,
    private readonly handler: CatchUpHandler,
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
  status(): { name: string; position: bigint | null; caughtUp: boolean; active: boolean; lastError: string | null; parked: number } {
    return {
      name: this.handler.name,
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
      return await this.lease!.leases.tryAcquire(this.handler.name, this.lease!.owner, this.lease!.ttlMs);
    } catch (error) {
      this.lastError = `lease: ${(error as Error).message}`;
      return false;
    }
  }

  /** Renews the lease; when it was lost (another instance took over), stops following. */
  private async renewOrYield(following: AbortController): Promise<void> {
    if (!(await this.acquireLease())) {
      this.logger.warn('Lost the lease; another instance takes over.');
      this.active = false;
      following.abort();
    }
  }

  /** Follows the store from the checkpoint until `signal` aborts or the handler fails (then pauses). */
  private async follow(signal: AbortSignal): Promise<void> {
    let current: RecordedEvent | null = null;
    try {
      this.lastPosition = await this.handler.loadCheckpoint();
      for await (const item of this.store.subscribeToAll({
        after: this.lastPosition,
        streamPrefixes: this.handler.streamPrefixes,
        signal,
      })) {
        if (item.kind === 'caught-up') {
          this.caughtUp = true;
          continue;
        }
        current = item.event;
        if (this.failingPosition === current.position && this.failures >= PARK_AFTER_FAILURES && !this.busFailure) {
          await this.handler.park(current, this.lastError ?? 'failed');
          this.parkedHere += 1;
          this.logger.error(`Parked ${current.type} at ${current.position} after ${this.failures} failures: ${this.lastError}`);
        } else {
          await this.handler.handle(current);
        }
        this.lastPosition = current.position;
        this.failures = 0;
        this.failingPosition = null;
        this.lastError = null;
        this.notify();
      }
    } catch (error) {
      if (signal.aborted) return;
      this.caughtUp = false;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.busFailure = error instanceof BusUnavailableError;
      if (current && current.position !== this.failingPosition) {
        this.failingPosition = current.position;
        this.failures = 0;
      }
      const delay = RESTART_DELAY_MS[Math.min(this.failures, RESTART_DELAY_MS.length - 1)];
      this.failures += 1;
      this.logger.error(`Handler failed (${this.lastError}); resuming from the checkpoint in ${delay} ms.`);
      await sleep(delay, signal);
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
