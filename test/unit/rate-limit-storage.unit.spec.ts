import { SlidingWindowRateLimits } from '../../src/infrastructure/http/rate-limit-storage';

describe('SlidingWindowRateLimits (the throttler storage)', () => {
  const MINUTE = 60_000;
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2026-11-28T10:00:00.000Z'));
  });
  afterEach(() => jest.useRealTimers());

  const hit = (limits: SlidingWindowRateLimits, key = 'client-a', limit = 3) => limits.increment(key, MINUTE, limit, MINUTE, 'default');

  it('lets exactly `limit` hits through in a window, then blocks for the block duration', async () => {
    const limits = new SlidingWindowRateLimits();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await hit(limits));
    expect(answers.map((a) => a.isBlocked)).toEqual([false, false, false, true, true]);
    expect(answers.map((a) => a.totalHits).slice(0, 3)).toEqual([1, 2, 3]);
    expect(answers[3].timeToBlockExpire).toBe(60);
    jest.advanceTimersByTime(MINUTE - 1_000);
    expect((await hit(limits)).isBlocked).toBe(true);
    expect((await hit(limits)).timeToBlockExpire).toBe(1);
  });

  it('counts each client and each throttler on its own', async () => {
    const limits = new SlidingWindowRateLimits();
    for (let i = 0; i < 3; i++) await hit(limits, 'client-a');
    expect((await hit(limits, 'client-b')).isBlocked).toBe(false);
    expect((await limits.increment('client-a', MINUTE, 3, MINUTE, 'login')).isBlocked).toBe(false);
    expect((await hit(limits, 'client-a')).isBlocked).toBe(true);
  });

  it('slides: the previous window weighs by how much of it is still within the last minute', async () => {
    const limits = new SlidingWindowRateLimits();
    for (let i = 0; i < 10; i++) expect((await hit(limits, 'steady', 10)).isBlocked).toBe(false);
    // A quarter into the next window, three quarters of the last one's 10 hits still count: 7 (rounded down).
    jest.advanceTimersByTime(MINUTE + MINUTE / 4);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await hit(limits, 'steady', 10));
    expect(answers.map((a) => a.totalHits).slice(0, 3)).toEqual([8, 9, 10]);
    expect(answers[3].isBlocked).toBe(true);
  });

  it('forgets a window two windows old, and drops idle clients', async () => {
    const limits = new SlidingWindowRateLimits();
    for (let i = 0; i < 3; i++) await hit(limits, 'bursty', 3);
    jest.advanceTimersByTime(2 * MINUTE);
    expect(await hit(limits, 'bursty', 3)).toMatchObject({ totalHits: 1, isBlocked: false });
    jest.advanceTimersByTime(3 * MINUTE);
    await hit(limits, 'other');
    expect((limits as unknown as { counters: Map<string, unknown> }).counters.size).toBe(1);
  });
});
