import DataLoader from 'dataloader';

/**
 * The calls made in one turn of the event loop, gathered into one call of `run` (at most `maxBatchSize` at a
 * time), which answers each in call order: a value, or an Error for that call alone. Nothing is remembered
 * between turns: every call reaches `run`. Behind the group commit of the SQL event stores, their sequence
 * blocks and the released-token lookups (BENCHMARKS.md: statements per request, not per batch, were what a
 * busy service spent its time on).
 */
export function perTurnBatch<Key, Value>(run: (keys: readonly Key[]) => Promise<ReadonlyArray<Value | Error>>, maxBatchSize = Infinity): DataLoader<Key, Value> {
  // setImmediate: after every I/O callback of this turn, so requests read from many sockets meet in one batch.
  return new DataLoader(run, { cache: false, maxBatchSize, batchScheduleFn: (dispatch) => setImmediate(dispatch) });
}
