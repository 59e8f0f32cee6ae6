import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Counter {
  /** Start of the current window (a multiple of the throttler's ttl). */
  windowStart: number;
  current: number;
  /** Hits of the window just before the current one. */
  previous: number;
  blockedUntil: number;
  ttl: number;
}

/** How often counters nobody used for two windows are dropped. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Rate limits as sliding-window counters: per client, the hits of the current window plus the previous
 * window's, weighted by how much of it still overlaps the last `ttl`. Constant work and memory per client.
 *
 * Why not the library's in-memory storage: it keeps one timestamp per hit and copies the whole list on
 * every request, so a client allowed 6,000 requests a minute (the default) that uses them costs an array of
 * up to 6,000 entries copied per request; under load that was about 6 % of the HTTP edge's CPU, growing
 * with the limit (BENCHMARKS.md). The answer is the same shape: hits so far, seconds to the window's end, blocked or
 * not, and for how long (a blocked client stays blocked for `blockDuration`, as with the library's).
 */
export class SlidingWindowRateLimits implements ThrottlerStorage {
  private readonly counters = new Map<string, Counter>();
  private lastSweep = Date.now();

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const id = `${throttlerName}\u0000${key}`;
    const windowStart = now - (now % ttl);
    let counter = this.counters.get(id);
    if (!counter) this.counters.set(id, (counter = { windowStart, current: 0, previous: 0, blockedUntil: 0, ttl }));
    if (counter.windowStart !== windowStart) {
      counter.previous = windowStart - counter.windowStart === ttl ? counter.current : 0;
      counter.current = 0;
      counter.windowStart = windowStart;
    }
    const timeToExpire = Math.ceil((windowStart + ttl - now) / 1000);
    const blocked = (): ThrottlerStorageRecord => ({
      totalHits: this.hitsOf(counter, now, ttl),
      timeToExpire,
      isBlocked: true,
      timeToBlockExpire: Math.ceil((counter.blockedUntil - now) / 1000),
    });
    if (counter.blockedUntil > now) return blocked();
    counter.current += 1;
    if (this.hitsOf(counter, now, ttl) > limit) {
      counter.blockedUntil = now + blockDuration;
      return blocked();
    }
    return { totalHits: this.hitsOf(counter, now, ttl), timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
  }

  private hitsOf(counter: Counter, now: number, ttl: number): number {
    const overlap = 1 - (now - counter.windowStart) / ttl;
    return Math.floor(counter.previous * overlap) + counter.current;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, counter] of this.counters) {
      if (counter.windowStart + 2 * counter.ttl <= now && counter.blockedUntil <= now) this.counters.delete(id);
    }
  }
}
