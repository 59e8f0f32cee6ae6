import { Decider, unreachable } from '../decider';

/**
 * The scheduled processing run's lease, kept as a log in one stream: of several instances only one can start
 * a run (the append carries the revision it decided on), and a run whose instance died is taken over once its
 * lease has passed. Its state is its newest event, so reading it stays cheap however long the log grows.
 */
export const PROCESSING_RUN_STREAM = 'processing_run';

export interface RunStartedData {
  run_id: string;
  instance_id: string;
  started_at: string;
  lease_until: string;
}

export interface RunFinishedData {
  run_id: string;
  dispatched: number;
  timed_out: number;
  finished_at: string;
}

export type ProcessingRunEvent =
  | { type: 'ProcessingRunStarted'; data: RunStartedData }
  | { type: 'ProcessingRunFinished'; data: RunFinishedData };

export type ProcessingRunState = { status: 'idle' } | { status: 'running'; runId: string; instanceId: string; leaseUntil: Date };

export type ProcessingRunCommand =
  | { type: 'StartRun'; runId: string; instanceId: string; now: Date; leaseMs: number }
  | { type: 'FinishRun'; runId: string; dispatched: number; timedOut: number; now: Date };

function decide(command: ProcessingRunCommand, state: ProcessingRunState): ProcessingRunEvent[] {
  switch (command.type) {
    case 'StartRun': {
      // Another instance's run within its lease holds the stream; this instance's own earlier run (it died) does not.
      if (state.status === 'running' && state.instanceId !== command.instanceId && state.leaseUntil > command.now) return [];
      return [
        {
          type: 'ProcessingRunStarted',
          data: {
            run_id: command.runId,
            instance_id: command.instanceId,
            started_at: command.now.toISOString(),
            lease_until: new Date(command.now.getTime() + command.leaseMs).toISOString(),
          },
        },
      ];
    }
    case 'FinishRun':
      // A run taken over (its lease passed) finishes nothing: the newer run owns the stream.
      if (state.status !== 'running' || state.runId !== command.runId) return [];
      return [
        {
          type: 'ProcessingRunFinished',
          data: { run_id: command.runId, dispatched: command.dispatched, timed_out: command.timedOut, finished_at: command.now.toISOString() },
        },
      ];
    default:
      return unreachable(command);
  }
}

function evolve(_state: ProcessingRunState, event: ProcessingRunEvent): ProcessingRunState {
  switch (event.type) {
    case 'ProcessingRunStarted':
      return { status: 'running', runId: event.data.run_id, instanceId: event.data.instance_id, leaseUntil: new Date(event.data.lease_until) };
    case 'ProcessingRunFinished':
      return { status: 'idle' };
    default:
      return unreachable(event);
  }
}

export const processingRunDecider: Decider<ProcessingRunCommand, ProcessingRunEvent, ProcessingRunState> = {
  initialState: { status: 'idle' },
  evolve,
  decide,
};
