/**
 * Wakes whoever waits for one request's view to change (a process_immediately create waiting for Conax's
 * outcome) as soon as the local projection has written it, instead of every waiter polling the read model.
 */
export class RequestChanges {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Called by the projection after it stored a change to `requestId`. */
  notify(requestId: string): void {
    const waiting = this.waiters.get(requestId);
    if (!waiting) return;
    this.waiters.delete(requestId);
    for (const wake of waiting) wake();
  }

  /** Resolves on the next change of `requestId`, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  next(requestId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const waiting = this.waiters.get(requestId);
        waiting?.delete(done);
        if (waiting?.size === 0) this.waiters.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      let waiting = this.waiters.get(requestId);
      if (!waiting) this.waiters.set(requestId, (waiting = new Set()));
      waiting.add(done);
    });
  }

  /** Requests someone is waiting on (for tests and metrics). */
  watched(): number {
    return this.waiters.size;
  }
}
