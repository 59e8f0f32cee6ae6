import { SequenceName } from '../application/ports/sequence-allocator.port';
import { perTurnBatch } from './per-turn-batch';

/**
 * Hands out values of the SQL stores' sequences in blocks: every `next` of one turn of the event loop is
 * served by one write per sequence that advances it by their number (`allocate` returns the block's last
 * value), instead of one write transaction each. Values come in call order, without gaps between them; a
 * failed write fails the calls of its own sequence.
 */
export class BatchedSequences {
  private readonly batches = perTurnBatch<SequenceName, bigint>(async (names) => {
    const counts = new Map<SequenceName, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    const lasts = new Map<SequenceName, bigint | Error>();
    await Promise.all(
      [...counts].map(async ([name, count]) => {
        lasts.set(name, await this.allocate(name, count).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
      }),
    );
    const handedOut = new Map<SequenceName, number>();
    return names.map((name) => {
      const last = lasts.get(name)!;
      if (last instanceof Error) return last;
      const index = handedOut.get(name) ?? 0;
      handedOut.set(name, index + 1);
      return last - BigInt(counts.get(name)! - 1 - index);
    });
  });

  constructor(private readonly allocate: (name: SequenceName, count: number) => Promise<bigint>) {}

  next(name: SequenceName): Promise<bigint> {
    return this.batches.load(name);
  }
}
