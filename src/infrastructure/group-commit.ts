import { AppendResult, ExpectedRevision, NewEvent } from '../application/ports/event-store.port';

/** One caller's append, waiting for its group to be written. */
export interface PendingAppend {
  streamId: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** The most appends written in one group-commit transaction. */
const GROUP_COMMIT_MAX = 256;

/**
 * Group commit for the SQL event stores: appends arriving in the same turn of the event loop are handed to
 * `write` together (at most GROUP_COMMIT_MAX at a time), which writes them in one transaction, each checked
 * against its own expected revision so that a conflict fails only its own append, and answers every caller
 * after the commit.
 */
export class GroupCommit {
  private readonly pending: PendingAppend[] = [];
  private scheduled = false;

  constructor(private readonly write: (group: PendingAppend[]) => void | Promise<void>) {}

  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('Nothing to append.'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected, resolve, reject });
      if (this.pending.length >= GROUP_COMMIT_MAX) void this.writeNextGroup();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.writeNextGroup());
  }

  private async writeNextGroup(): Promise<void> {
    this.scheduled = false;
    const group = this.pending.splice(0, GROUP_COMMIT_MAX);
    if (this.pending.length > 0) this.schedule();
    if (group.length > 0) await this.write(group);
  }
}
