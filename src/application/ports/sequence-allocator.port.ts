/**
 * Named counters that only grow and never hand out a value twice, even across processes sharing a store.
 * Values lost to a failed command leave gaps, which is fine for numbers that only need to be unique and increasing.
 */
export type SequenceName = 'request_number' | 'dispatch_sequence';

export interface SequenceAllocator {
  next(name: SequenceName): Promise<bigint>;
}

export const SEQUENCE_ALLOCATOR = Symbol('SequenceAllocator');
