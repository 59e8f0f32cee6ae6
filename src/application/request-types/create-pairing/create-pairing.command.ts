import { Command } from '@nestjs/cqrs';
import { SubscriptionIdentifier } from '../../../domain/provisioning-request';
import { ProvisioningRequestView } from '../../read-model/provisioning-request-view';
import { CommandContext } from '../../provisioning-request-streams';
import { CreationInput } from '../request-creation';

export interface CreatePairingInput extends CreationInput {
  subscription: SubscriptionIdentifier | null;
  smartcardCaIds: string[];
  stbCaIds: string[];
}

export class CreatePairingCommand extends Command<ProvisioningRequestView> {
  constructor(
    readonly input: CreatePairingInput,
    readonly context: CommandContext,
    /** Aborts when the caller has gone away: a process_immediately wait then ends at once. */
    readonly abandoned?: AbortSignal,
  ) {
    super();
  }
}
