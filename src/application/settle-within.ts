/** The work did not answer within its bound (it may still finish, unwatched). */
export class TimedOutError extends Error {
  constructor(readonly afterMs: number) {
    super(`no answer within ${afterMs} ms`);
    this.name = 'TimedOutError';
  }
}

/**
 * `work`, or a TimedOutError once `ms` have passed: the one way a caller bounds a wait on something that
 * can stall (a frozen database holds a query for as long as it is frozen). Timers run on the monotonic clock.
 */
export function settleWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOutError(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
