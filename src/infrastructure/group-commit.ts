import { AppendResult, ExpectedRevision, NewEvent } from '../application/ports/event-store.port';
import { perTurnBatch } from './per-turn-batch';
import { ProvisioningRequestView } from '../application/ports/read-model.port';

/** One caller's append, waiting for its group to be written. */
export interface PendingAppend {
  streamId: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  /** The stream's request view after these events, for a store that writes it inline. */
  view?: ProvisioningRequestView;
}

/** The most appends written in one group-commit transaction. */
const GROUP_COMMIT_MAX = 256;

/**
 * Group commit for the SQL event stores: appends made in the same turn of the event loop are handed to
 * `write` together (at most GROUP_COMMIT_MAX at a time), which writes them in one transaction, each checked
 * against its own expected revision so that a conflict fails only its own append, and answers each (its
 * result, or its Error) after the commit.
 */
export class GroupCommit {
  private readonly groups;

  constructor(write: (group: readonly PendingAppend[]) => Promise<ReadonlyArray<AppendResult | Error>>) {
    this.groups = perTurnBatch<PendingAppend, AppendResult>(write, GROUP_COMMIT_MAX);
  }

  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision, view?: ProvisioningRequestView): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('Nothing to append.'));
    return this.groups.load({ streamId, events, expected, view });
  }
}
