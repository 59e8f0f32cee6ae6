import { ProvisioningRequestView } from '../ports/read-model.port';

/** What one waiter has seen of a request since it started watching. */
export interface RequestWatch {
  /** The newest view this instance has stored for the request since the watch began, or null. */
  latest(): ProvisioningRequestView | null;
  /**
   * Resolves true on the next change (at once when one came since `latest` was last called), false after
   * `timeoutMs` or when `signal` aborts, whichever is first.
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
}

/**
 * Hands the views this instance has just stored (written inline with an append, or by the local projection)
 * to whoever waits for them: a create reading its own
 * write, a process_immediately create waiting for Conax's outcome. They are woken at once instead of polling
 * the read model, and take the view as stored instead of reading it back (the read-back was a measurable
 * share of a create's CPU, see BENCHMARKS.md). A view is only handed over after its transaction committed.
 */
export class RequestChanges {
  private readonly watches = new Map<string, Set<Watching>>();

  /** Called once `view` (the request's whole view after the change) is committed. */
  notify(requestId: string, view: ProvisioningRequestView): void {
    const watching = this.watches.get(requestId);
    if (!watching) return;
    for (const watch of watching) watch.changed(view);
  }

  /** Starts watching `requestId`; close the watch when done. */
  watch(requestId: string): RequestWatch {
    let watching = this.watches.get(requestId);
    if (!watching) this.watches.set(requestId, (watching = new Set()));
    const watch = new Watching(() => {
      watching.delete(watch);
      if (watching.size === 0 && this.watches.get(requestId) === watching) this.watches.delete(requestId);
    });
    watching.add(watch);
    return watch;
  }
}

class Watching implements RequestWatch {
  private view: ProvisioningRequestView | null = null;
  /** A change came that `latest` has not returned yet. */
  private unseen = false;
  private wake: (() => void) | null = null;

  constructor(readonly close: () => void) {}

  changed(view: ProvisioningRequestView): void {
    this.view = view;
    this.unseen = true;
    this.wake?.();
  }

  latest(): ProvisioningRequestView | null {
    this.unseen = false;
    return this.view;
  }

  next(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.unseen || signal?.aborted) return Promise.resolve(this.unseen);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = null;
        resolve(this.unseen);
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
