import { Decider } from '../decider';
import { DomainError } from '../provisioning-request/errors';
import { ProcessName, RequestType } from '../provisioning-request/events';

/**
 * A batch (SPEC §10, CRM.COM's utilities): many requests of one type from one upload. One stream per batch
 * records what was submitted (counts and a digest of the items, which are staged outside the log) and how far
 * its creation has gone, chunk by chunk, so a runner that dies mid-batch resumes where the log says.
 */
export const batchStreamId = (batchId: string) => `conax_batch-${batchId}`;
export const BATCH_STREAM_PREFIX = 'conax_batch-';

/** The utility whose name each batchable type's requests carry (SPEC §10). */
export const BATCH_PROCESS_NAMES: Partial<Record<RequestType, ProcessName>> = {
  CREATE_PAIRING: 'PAIRING_UTILITY',
  ADD_TO_EXISTING_PAIRING: 'PAIRING_UTILITY',
  SEND_MAIL_MESSAGE_TO_CLIENT: 'MAIL_BARK_MESSAGE_UTILITY',
  SEND_BARK_MESSAGE_TO_CLIENT: 'MAIL_BARK_MESSAGE_UTILITY',
  SEND_REPEATING_BARK_MESSAGE_TO_CLIENT: 'MAIL_BARK_MESSAGE_UTILITY',
  DISPLAY_FINGERPRINT: 'FIINGERPRINTING_UTILITY',
  UPDATE_CA_PIN_TO_DEFAULT_VALUE: 'RESET_PIN',
};

export const BATCHABLE_TYPES = Object.keys(BATCH_PROCESS_NAMES) as RequestType[];

/** An item that became no request: its line in the upload and why. */
export interface RefusedItem {
  line: number;
  error: string;
}

export interface BatchSubmittedData {
  batch_id: string;
  type: RequestType;
  process_name: ProcessName;
  organisation: string;
  /** Where the accepted items were staged (their rows are read from there, in line order). */
  upload_id: string;
  /** sha256 of the items as submitted: a re-submission under the same key must carry the same items. */
  digest: string;
  total: number;
  accepted: number;
  /** Items refused at submission (their shape); the lines are kept with the staged upload. */
  rejected: number;
  submitted_at: string;
}

export interface BatchItemsCreatedData {
  /** Every accepted item up to this line (inclusive) has been handled. */
  through_line: number;
  created: number;
  /** Items whose request the domain refused (an unknown card, a text Conax cannot carry). */
  refused: RefusedItem[];
}

export interface BatchCompletedData {
  completed_at: string;
}

export type BatchEvent =
  | { type: 'BatchSubmitted'; data: BatchSubmittedData }
  | { type: 'BatchItemsCreated'; data: BatchItemsCreatedData }
  | { type: 'BatchCompleted'; data: BatchCompletedData };

export type BatchCommand =
  | { type: 'SubmitBatch'; submission: Omit<BatchSubmittedData, 'process_name' | 'submitted_at'>; now: Date }
  | { type: 'RecordCreated'; throughLine: number; created: number; refused: RefusedItem[] }
  | { type: 'CompleteBatch'; now: Date };

export type BatchState =
  | { status: 'Initial' }
  | {
      status: 'Running' | 'Done';
      submitted: BatchSubmittedData;
      /** Accepted items handled so far: all of them up to this line. */
      throughLine: number;
      created: number;
      /** Refused at submission plus refused at creation. */
      rejected: number;
      completedAt: string | null;
    };

export const batchDecider: Decider<BatchCommand, BatchEvent, BatchState> = {
  initialState: { status: 'Initial' },
  evolve(state, event) {
    switch (event.type) {
      case 'BatchSubmitted':
        return { status: 'Running', submitted: event.data, throughLine: 0, created: 0, rejected: event.data.rejected, completedAt: null };
      case 'BatchItemsCreated':
        if (state.status === 'Initial') return state;
        return { ...state, throughLine: event.data.through_line, created: state.created + event.data.created, rejected: state.rejected + event.data.refused.length };
      case 'BatchCompleted':
        if (state.status === 'Initial') return state;
        return { ...state, status: 'Done', completedAt: event.data.completed_at };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'SubmitBatch': {
        const { submission } = command;
        if (state.status !== 'Initial') {
          // A re-submission under the same key: the same items are the same batch; other items are a misuse of the key.
          if (state.submitted.digest === submission.digest && state.submitted.type === submission.type) return [];
          throw new DomainError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used for a different batch.', 'Idempotency-Key');
        }
        const processName = BATCH_PROCESS_NAMES[submission.type];
        if (!processName) throw new DomainError('INVALID', `${submission.type} requests are not created in batches; one of ${BATCHABLE_TYPES.join(', ')}.`, 'type');
        if (submission.accepted + submission.rejected !== submission.total) throw new DomainError('INVALID', 'accepted and rejected items must add up to the total.', 'items');
        const submitted: BatchEvent = { type: 'BatchSubmitted', data: { ...submission, process_name: processName, submitted_at: command.now.toISOString() } };
        // A batch with nothing to create is done as it is submitted.
        return submission.accepted === 0 ? [submitted, { type: 'BatchCompleted', data: { completed_at: command.now.toISOString() } }] : [submitted];
      }
      case 'RecordCreated':
        if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'No such batch.');
        // Progress only moves forward: a chunk handled again after a crash records nothing twice.
        if (state.status === 'Done' || command.throughLine <= state.throughLine) return [];
        return [{ type: 'BatchItemsCreated', data: { through_line: command.throughLine, created: command.created, refused: command.refused } }];
      case 'CompleteBatch':
        if (state.status === 'Initial') throw new DomainError('NOT_FOUND', 'No such batch.');
        if (state.status === 'Done') return [];
        return [{ type: 'BatchCompleted', data: { completed_at: command.now.toISOString() } }];
    }
  },
};
