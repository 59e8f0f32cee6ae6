import { Inject, Injectable } from '@nestjs/common';
import { ProvisioningRequestCommand, ProvisioningRequestState, willBeSent } from '../../domain/provisioning-request';
import { CommandContext, StreamCommandHandler } from '../command-handling/command-handler';
import { CLOCK, Clock } from '../ports/clock.port';
import { CONAX_REQUEST_FORMAT, ConaxRequestFormat } from '../ports/conax-request-format.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { ProvisioningRequestStream } from '../provisioning-request.stream';
import { conaxCallOf } from '../request-types/request-types';

/**
 * Decides Dispatch for one request of any type: the send (a sequence number, the exact request text) is
 * prepared only for a state in which the request will really be sent, so numbers are drawn only for sends.
 * Publishing the dispatch message is the dispatch saga's job, fed from the stored RequestDispatched event.
 */
@Injectable()
export class RequestDispatcher {
  constructor(
    private readonly commands: StreamCommandHandler,
    private readonly requests: ProvisioningRequestStream,
    @Inject(SEQUENCE_ALLOCATOR) private readonly sequences: SequenceAllocator,
    @Inject(CONAX_REQUEST_FORMAT) private readonly format: ConaxRequestFormat,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  dispatch(requestId: string, processId: string | null, context: CommandContext) {
    const now = this.clock.now();
    const commandFor = async (state: ProvisioningRequestState): Promise<ProvisioningRequestCommand> => {
      if (state.status !== 'Pending' || !willBeSent(state, now)) return { type: 'DispatchRequest', processId, send: null, now };
      const sequenceNumber = String(await this.sequences.next('dispatch_sequence'));
      return { type: 'DispatchRequest', processId, now, send: { sequenceNumber, request: this.format.render(conaxCallOf(state.request), requestId, sequenceNumber) } };
    };
    return this.commands.handle(this.requests, requestId, commandFor, { context, metric: 'dispatch' });
  }
}
