import { BusMessage, ConsumeOptions } from '../../application/ports/message-bus.port';

/**
 * Runs a consumer's handlers up to `max` at once while keeping order where it matters: a task starts only
 * after every earlier task that shares one of its lanes has ended (the connector's lanes are smartcards, so
 * two sends for one card reach Conax in the order they were sent). `submit` waits while `max` tasks are
 * unfinished, so a consumer never takes more messages than it may handle. A waiting task holds its place,
 * not a call: the earliest unfinished task never waits for a later one, so the lanes cannot deadlock.
 * With `max` 1 this is strictly one message after another.
 */
export class OrderedLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private unfinished = 0;
  private readonly waitingForRoom: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Resolves once the task is scheduled (room was free), with the promise of its end. */
  async submit(lanes: readonly string[], task: () => Promise<void>): Promise<{ ended: Promise<void> }> {
    while (this.unfinished >= this.max) await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    this.unfinished += 1;
    const before = lanes.map((lane) => this.tails.get(lane)).filter((tail): tail is Promise<void> => tail !== undefined);
    const done: Promise<void> = Promise.all(before)
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        for (const lane of lanes) if (this.tails.get(lane) === done) this.tails.delete(lane);
        this.unfinished -= 1;
        this.waitingForRoom.shift()?.();
        if (this.unfinished === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    for (const lane of lanes) this.tails.set(lane, done);
    return { ended: done };
  }

  /** Resolves when every submitted task has ended. */
  idle(): Promise<void> {
    return this.unfinished === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** A message's lanes under a consumer's concurrency option: its key always (order per key), and the consumer's own. */
export function lanesOfMessage(message: BusMessage, concurrency: ConsumeOptions['concurrency']): string[] {
  return [`key:${message.key}`, ...(concurrency?.lanesOf(message) ?? [])];
}
