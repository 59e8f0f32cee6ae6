import { Inject, Injectable } from '@nestjs/common';
import { decideDispatch, isDue } from '../../domain/provisioning-request';
import { CLOCK, Clock } from '../ports/clock.port';
import { CONAX_REQUEST_FORMAT, ConaxRequestFormat } from '../ports/conax-request-format.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { CommandContext, Decided, ProvisioningRequestStreams } from '../provisioning-request-streams';

/**
 * Decides Dispatch for one request: a sequence number is drawn only when the state says the request will
 * really be sent, and the exact request text is recorded in the event. Publishing the dispatch message is
 * the dispatch saga's job, fed from the stored PairingDispatched event.
 */
@Injectable()
export class PairingDispatcher {
  constructor(
    private readonly streams: ProvisioningRequestStreams,
    @Inject(SEQUENCE_ALLOCATOR) private readonly sequences: SequenceAllocator,
    @Inject(CONAX_REQUEST_FORMAT) private readonly format: ConaxRequestFormat,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  dispatch(requestId: string, processId: string | null, context: CommandContext): Promise<Decided> {
    return this.streams.decide(
      'dispatch',
      requestId,
      async (state) => {
        const now = this.clock.now();
        if (state.status !== 'Pending' || state.dispatch !== null || !isDue(state, now)) {
          return decideDispatch(state, { sequenceNumber: '', processId, request: '', now });
        }
        const sequenceNumber = String(await this.sequences.next('dispatch_sequence'));
        return decideDispatch(state, {
          sequenceNumber,
          processId,
          request: this.format.createPairing(state.request, sequenceNumber),
          now,
        });
      },
      context,
    );
  }
}
