import { BatchState, RefusedItem } from '../../domain/batch/batch.decider';
import { BatchStateName, BatchSummary } from '../ports/batch-store.port';

/** A batch as the routes answer it (SPEC §10). */
export interface BatchReport {
  id: string;
  type: string;
  process_name: string;
  total: number;
  accepted: number;
  rejected: number;
  /** Accepted items whose request exists. */
  created: number;
  state: BatchStateName;
  submitted_at: string;
  completed_at: string | null;
  /** The refused items, by line (the first MAX_REPORTED_REFUSALS of them). */
  invalid_items: RefusedItem[];
}

/** How many refused items a report lists; `rejected` counts them all. */
export const MAX_REPORTED_REFUSALS = 1_000;

type Submitted = Exclude<BatchState, { status: 'Initial' }>;

export function reportOf(state: Submitted, invalidItems: RefusedItem[]): BatchReport {
  const { submitted } = state;
  return {
    id: submitted.batch_id,
    type: submitted.type,
    process_name: submitted.process_name,
    total: submitted.total,
    accepted: submitted.accepted,
    rejected: state.rejected,
    created: state.created,
    state: state.status === 'Done' ? 'DONE' : 'RUNNING',
    submitted_at: submitted.submitted_at,
    completed_at: state.completedAt,
    invalid_items: invalidItems,
  };
}

export function summaryOf(state: Submitted, updatedAt: string): BatchSummary {
  const report = reportOf(state, []);
  return {
    id: report.id,
    organisation: state.submitted.organisation,
    type: report.type,
    state: report.state,
    total: report.total,
    accepted: report.accepted,
    rejected: report.rejected,
    created: report.created,
    submitted_at: report.submitted_at,
    updated_at: updatedAt,
  };
}
