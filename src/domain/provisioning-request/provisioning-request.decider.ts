import { Decider, unreachable } from '../decider';
import {
  ConaxOutcome,
  decideDispatch,
  decideOpen,
  decideOutcomeTimeout,
  decideRecordOutcome,
  decideRecordUnanswered,
  decideRejectByService,
  decideRepeatOpen,
  OutcomeTimeoutPolicy,
  PreparedSend,
  PublishedSend,
  UnansweredCall,
} from './decide';
import { ProvisioningRequestEvent } from './events';
import { evolve, initialState, ProvisioningRequestState } from './state';
import { RequestDraft } from './types/request-types';

/** Everything that can be asked of one provisioning request, whatever its type. */
export type ProvisioningRequestCommand =
  /** Create it on an empty stream: the draft with the number drawn for it. */
  | { type: 'OpenRequest'; draft: RequestDraft; number: string }
  /** Create it again on a stream that exists (an Idempotency-Key retry): only the fingerprint matters. */
  | { type: 'RepeatOpenRequest'; fingerprint: string }
  /** Send it to Conax; `send` is prepared exactly when the request will be sent (see `willBeSent`). */
  | { type: 'DispatchRequest'; processId: string | null; send: PreparedSend | null; now: Date }
  /** What Conax answered. */
  | { type: 'RecordOutcome'; outcome: ConaxOutcome }
  /** The connector called Conax for one send and got no answer. */
  | { type: 'RecordUnansweredCall'; call: UnansweredCall; maxAttempts: number }
  /** The sweep: a send whose outcome is overdue is sent again (or, after enough silence, rejected). */
  | { type: 'SweepOverdueSend'; published: PublishedSend; policy: OutcomeTimeoutPolicy; now: Date }
  /** The service gives up on a pending request. */
  | { type: 'RejectRequest'; errorCode: string; errorDescription: string; now: Date };

export type ProvisioningRequestCommandType = ProvisioningRequestCommand['type'];

function decide(command: ProvisioningRequestCommand, state: ProvisioningRequestState): ProvisioningRequestEvent[] {
  switch (command.type) {
    case 'OpenRequest':
      return decideOpen(state, command.draft, command.number);
    case 'RepeatOpenRequest':
      return decideRepeatOpen(state, command.fingerprint);
    case 'DispatchRequest':
      return decideDispatch(state, command.processId, command.send, command.now);
    case 'RecordOutcome':
      return decideRecordOutcome(state, command.outcome);
    case 'RecordUnansweredCall':
      return decideRecordUnanswered(state, command.call, { maxAttempts: command.maxAttempts });
    case 'SweepOverdueSend':
      return decideOutcomeTimeout(state, command.now, command.published, command.policy);
    case 'RejectRequest':
      return decideRejectByService(state, command);
    default:
      return unreachable(command);
  }
}

/** The provisioning request's decision model, one for every request type (the types differ only in how they open). */
export const provisioningRequestDecider: Decider<ProvisioningRequestCommand, ProvisioningRequestEvent, ProvisioningRequestState> = {
  initialState,
  evolve,
  decide,
};
