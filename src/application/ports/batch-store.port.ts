import { RefusedItem } from '../../domain/batch/batch.decider';

/** One item of an upload as submitted: its body (JSON, valid in shape) or why it was refused. */
export interface StagedItem {
  line: number;
  /** The item's validated body as JSON; null for a refused item. */
  body: string | null;
  error: string | null;
}

export type BatchStateName = 'RUNNING' | 'DONE';

/** A batch as lists show it (kept from the batch stream by the batch index). */
export interface BatchSummary {
  id: string;
  organisation: string;
  type: string;
  state: BatchStateName;
  total: number;
  accepted: number;
  rejected: number;
  created: number;
  submitted_at: string;
  updated_at: string;
}

/**
 * Where a batch's items wait to become requests (SPEC §10), and the batches' list. The items are staged before
 * the batch stream records the submission, under an upload id the submission names: an upload no submission
 * names (the process died in between) is swept.
 */
export interface BatchStore {
  /** Stores every item of one upload, in one transaction. */
  stage(uploadId: string, batchId: string, items: readonly StagedItem[], now: Date): Promise<void>;
  /** Accepted items after `afterLine`, in line order. */
  acceptedItems(uploadId: string, afterLine: number, limit: number): Promise<Array<{ line: number; body: string }>>;
  /** Records why these accepted items became no request. */
  markRefused(uploadId: string, refused: readonly RefusedItem[]): Promise<void>;
  /** Refused items (at submission or at creation), in line order. */
  refusedItems(uploadId: string, limit: number): Promise<RefusedItem[]>;
  /** `uploadId`: the upload the batch's submission names (its items are never swept). */
  saveSummary(summary: BatchSummary, uploadId: string): Promise<void>;
  /** The batch as last saved; null when none was. */
  summary(batchId: string): Promise<BatchSummary | null>;
  /** Ids of the batches still running, oldest first. */
  runningBatches(): Promise<string[]>;
  /** One organisation's batches, newest first. */
  list(organisation: string, limit: number): Promise<BatchSummary[]>;
  /** Uploads staged before `before` that no saved batch names (candidates: the batch stream has the last word). */
  unnamedUploads(before: Date, limit: number): Promise<Array<{ uploadId: string; batchId: string }>>;
  deleteUpload(uploadId: string): Promise<void>;
}

export const BATCH_STORE = Symbol('BatchStore');
