import { StreamKind } from '../command-handling/command-handler';
import { BatchCommand, batchDecider, BatchEvent, BatchState, batchStreamId } from '../../domain/batch/batch.decider';

/** One stream per batch (SPEC §10), stored as written (schema version 1 of each event), its history folded. */
export const batchStream: StreamKind<BatchCommand, BatchEvent, BatchState> = {
  decider: batchDecider,
  streamId: batchStreamId,
  decode: (recorded) => ({ type: recorded.type, data: recorded.data }) as BatchEvent,
  schemaVersion: () => 1,
  read: 'whole',
};
