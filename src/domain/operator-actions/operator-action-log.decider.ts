import { Decider } from '../decider';

/** Every operator action on parked work is an event in this stream: who, when, what, and why it was parked. */
export const OPERATOR_ACTIONS_STREAM = 'operator_actions';

export type OperatorActionType = 'ParkedWorkRedriven' | 'ParkedWorkDiscarded';

export interface OperatorActionData {
  /** `event`: an event a subscriber parked; `message`: a dead-lettered message. */
  kind: 'event' | 'message';
  /** The subscriber and position, or the dead letter's id and topics. */
  target: Record<string, string>;
  /** Why it had been parked. */
  reason: string;
  /** The organisation of the operator (the action spans organisations; this records who, not whose). */
  organisation: string;
}

export type OperatorActionEvent = { type: OperatorActionType; data: OperatorActionData };

export type OperatorActionCommand = { type: 'RecordOperatorAction'; action: OperatorActionEvent };

/** An append-only audit log: every action is recorded, in the order the log took them; nothing is refused. */
export const operatorActionLogDecider: Decider<OperatorActionCommand, OperatorActionEvent, null> = {
  initialState: null,
  evolve: () => null,
  decide: (command) => [command.action],
};
