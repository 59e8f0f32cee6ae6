import { EventEmitter } from 'node:events';

/**
 * How the SQL event stores wake their live subscriptions: a counter of appends this process has seen
 * (so a subscriber never sleeps through one that came while it was reading), and a wait that ends at the
 * next append, after a poll interval (appends by other processes), or on abort.
 */
export class AppendSignal {
  private readonly emitter = new EventEmitter();
  private count = 0;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Call once per append noticed (made here, or announced by the database). */
  notify(): void {
    this.count += 1;
    this.emitter.emit('append');
  }

  /** The current count; pass it to `waitAfter` to wait only if nothing was appended since. */
  seen(): number {
    return this.count;
  }

  waitAfter(seen: number, pollMs: number, signal: AbortSignal): Promise<void> {
    if (this.count !== seen || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.emitter.off('append', wake);
        signal.removeEventListener('abort', wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, pollMs);
      this.emitter.on('append', wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

/** A LIKE pattern matching every stream id that starts with `prefix` (escape character: backslash). */
export function streamPrefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}
