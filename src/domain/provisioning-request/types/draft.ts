import { DomainError } from '../errors';
import { Priority, ProcessName, RequestOpenedData, RequestType, SubscriptionIdentifier } from '../events';

/** What every request type's draft carries besides its own content. */
export interface DraftBase {
  type: RequestType;
  requestId: string;
  organisation: string;
  subscription: SubscriptionIdentifier | null;
  processImmediately: boolean;
  scheduledDate: Date | null;
  priority: Priority;
  /** Hash of what the caller asked for: a repeat with the same fingerprint is the same request. */
  fingerprint: string;
  now: Date;
  /** The utility and batch that create it (SPEC §10); null: created on its own (`MANUAL`). */
  process?: { name: ProcessName; id: string } | null;
}

/** The fields every creation event records, from the draft (the type adds its own). */
export function openedData(draft: DraftBase, number: string): Omit<RequestOpenedData, 'type'> {
  return {
    request_id: draft.requestId,
    number,
    organisation: draft.organisation,
    subscription: draft.subscription,
    process_immediately: draft.processImmediately,
    scheduled_date: draft.scheduledDate ? draft.scheduledDate.toISOString() : null,
    priority: draft.priority,
    process_name: draft.process?.name ?? 'MANUAL',
    // Only a batch's requests carry it, so a request created on its own is stored as it always was.
    ...(draft.process ? { process_id: draft.process.id } : {}),
    requested_at: draft.now.toISOString(),
    fingerprint: draft.fingerprint,
  };
}

/** The timing rule every type shares (SPEC §4). */
export function checkTiming(draft: Pick<DraftBase, 'processImmediately' | 'scheduledDate' | 'now'>): void {
  if (draft.processImmediately && draft.scheduledDate && draft.scheduledDate > draft.now) {
    throw new DomainError(
      'INVALID',
      'process_immediately cannot be combined with a scheduled_date in the future.',
      'scheduled_date',
    );
  }
}

