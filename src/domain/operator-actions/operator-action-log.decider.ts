import { Decider } from '../decider';

/** Every operator action is an event in this stream: who, when, what, and why (parked work, the Conax provider). */
export const OPERATOR_ACTIONS_STREAM = 'operator_actions';

export type OperatorActionType = 'ParkedWorkRedriven' | 'ParkedWorkDiscarded' | 'ConaxProviderSwitched';

export interface OperatorActionData {
  /** `event`: an event a subscriber parked; `message`: a dead-lettered message; `provider`: the Conax provider. */
  kind: 'event' | 'message' | 'provider';
  /** The subscriber and position, the dead letter's id and topics, or the provider's new state. */
  target: Record<string, string>;
  /** Why it had been parked; for the provider, why it was switched. */
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
