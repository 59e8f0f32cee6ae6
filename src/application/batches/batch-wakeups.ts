import { Injectable } from '@nestjs/common';

/**
 * Tells the batch runner there may be work (the batch index saw a batch stream move), without the index
 * depending on the runner: the runner listens, and otherwise looks by itself every few seconds.
 */
@Injectable()
export class BatchWakeups {
  private listener: (() => void) | null = null;

  listen(listener: () => void): void {
    this.listener = listener;
  }

  wake(): void {
    this.listener?.();
  }
}
