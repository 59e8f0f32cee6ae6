import { SequenceName } from '../application/ports/sequence-allocator.port';

interface Waiting {
  resolve: (value: bigint) => void;
  reject: (error: unknown) => void;
}

/**
 * Hands out values of the SQL stores' sequences in blocks: every `next` of one turn of the event loop is
 * served by one write that advances the sequence by their number (`allocate` returns the block's last
 * value), instead of one write transaction each. Values come in call order, without gaps between them.
 */
export class BatchedSequences {
  private readonly waiting = new Map<SequenceName, Waiting[]>();

  constructor(private readonly allocate: (name: SequenceName, count: number) => Promise<bigint>) {}

  next(name: SequenceName): Promise<bigint> {
    return new Promise((resolve, reject) => {
      let queue = this.waiting.get(name);
      if (!queue) {
        this.waiting.set(name, (queue = []));
        setImmediate(() => void this.allocateFor(name));
      }
      queue.push({ resolve, reject });
    });
  }

  private async allocateFor(name: SequenceName): Promise<void> {
    const queue = this.waiting.get(name) ?? [];
    this.waiting.delete(name);
    try {
      const last = await this.allocate(name, queue.length);
      queue.forEach((waiting, i) => waiting.resolve(last - BigInt(queue.length - 1 - i)));
    } catch (error) {
      for (const waiting of queue) waiting.reject(error);
    }
  }
}
