import { Inject, Injectable } from '@nestjs/common';
import { decideDispatch, isDue, ProvisioningRequestState } from '../../domain/provisioning-request';
import { CLOCK, Clock } from '../ports/clock.port';
import { CONAX_REQUEST_FORMAT, ConaxRequestFormat } from '../ports/conax-request-format.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { CommandContext, Decided, ProvisioningRequestStreams } from '../provisioning-request-streams';
import { conaxCallOf } from '../request-types/conax-call';

function willBeSent(state: ProvisioningRequestState, now: Date): boolean {
  return state.status === 'Pending' && state.dispatch === null && isDue(state, now);
}

/**
 * Decides Dispatch for one request of any type: a sequence number is drawn only when the state says the
 * request will really be sent (drawn here, before deciding, so the decision itself stays pure), and the
 * exact request text is recorded in the event. Publishing the dispatch message is the dispatch saga's job,
 * fed from the stored RequestDispatched event.
 */
@Injectable()
export class RequestDispatcher {
  constructor(
    private readonly streams: ProvisioningRequestStreams,
    @Inject(SEQUENCE_ALLOCATOR) private readonly sequences: SequenceAllocator,
    @Inject(CONAX_REQUEST_FORMAT) private readonly format: ConaxRequestFormat,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async dispatch(requestId: string, processId: string | null, context: CommandContext): Promise<Decided> {
    const now = this.clock.now();
    // Once a request is sent, final, or absent it stays so, so a number drawn for a sendable state is never
    // missing on a retry after a lost race (at worst it is not used, which leaves a gap).
    const { state } = await this.streams.load(requestId);
    const sequenceNumber = willBeSent(state, now) ? String(await this.sequences.next('dispatch_sequence')) : '';
    return this.streams.decide(
      'dispatch',
      requestId,
      (current) => {
        if (current.status !== 'Pending' || !willBeSent(current, now)) {
          return decideDispatch(current, { sequenceNumber: '', processId, request: '', now });
        }
        if (sequenceNumber === '') throw new Error(`${requestId} became sendable while being dispatched; try again.`);
        const request = this.format.render(conaxCallOf(current.request), requestId, sequenceNumber);
        return decideDispatch(current, { sequenceNumber, processId, request, now });
      },
      context,
    );
  }
}
