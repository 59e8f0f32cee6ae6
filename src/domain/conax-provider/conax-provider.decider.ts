import { Decider } from '../decider';
import { DomainError } from '../provisioning-request/errors';

/**
 * The Conax provider's state (SPEC §11), like CRM.COM's provider life cycle: while NOT_EFFECTIVE nothing is
 * sent to Conax. One stream; its newest event is the state.
 */
export const CONAX_PROVIDER_STREAM = 'conax_provider';

export type ProviderState = 'EFFECTIVE' | 'NOT_EFFECTIVE';
export const PROVIDER_STATES: readonly ProviderState[] = ['EFFECTIVE', 'NOT_EFFECTIVE'];

export interface ProviderSwitchedData {
  state: ProviderState;
  reason: string;
  switched_at: string;
  /** The organisation of the operator who switched it (the switch spans organisations). */
  organisation: string;
}

export type ProviderEvent = { type: 'ProviderSwitched'; data: ProviderSwitchedData };

export type ProviderCommand = { type: 'SwitchProvider'; state: ProviderState; reason: string; organisation: string; now: Date };

/** EFFECTIVE until switched: a service that was never switched sends. */
export interface ProviderStatus {
  state: ProviderState;
  reason: string | null;
  since: string | null;
}

export const EFFECTIVE_FROM_THE_START: ProviderStatus = { state: 'EFFECTIVE', reason: null, since: null };

export const conaxProviderDecider: Decider<ProviderCommand, ProviderEvent, ProviderStatus> = {
  initialState: EFFECTIVE_FROM_THE_START,
  evolve: (_state, event) => ({ state: event.data.state, reason: event.data.reason, since: event.data.switched_at }),
  decide(command, state) {
    if (!PROVIDER_STATES.includes(command.state)) throw new DomainError('INVALID', `state must be one of ${PROVIDER_STATES.join(', ')}.`, 'state');
    if (command.reason.trim() === '') throw new DomainError('INVALID', 'reason must say why.', 'reason');
    // Switching to the state it is in changes nothing (a repeated click, a retried call).
    if (command.state === state.state) return [];
    return [{ type: 'ProviderSwitched', data: { state: command.state, reason: command.reason, switched_at: command.now.toISOString(), organisation: command.organisation } }];
  },
};
