import { Command } from '@nestjs/cqrs';
import { Priority, SubscriptionIdentifier } from '../../domain/provisioning-request';
import { ProvisioningRequestView } from '../read-model/provisioning-request-view';
import { CommandContext } from '../provisioning-request-streams';

export interface CreatePairingInput {
  subscription: SubscriptionIdentifier | null;
  processImmediately: boolean;
  scheduledDate: Date | null;
  priority: Priority;
  smartcardCaIds: string[];
  stbCaIds: string[];
  /** Client-chosen key that makes a retry return the first result instead of creating again. */
  idempotencyKey: string | null;
  organisation: string;
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
