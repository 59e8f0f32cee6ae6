import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreatePairing, decideCreatePairing, validatePairing } from '../../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../../application-settings';
import { ID_GENERATOR, IdGenerator } from '../../ports/id-generator.port';
import { ProvisioningRequestView } from '../../read-model/provisioning-request-view';
import { fingerprintOf, RequestCreation } from '../request-creation';
import { CreatePairingCommand, CreatePairingInput } from './create-pairing.command';

/** Unchanged since the first release, so that a retry with an Idempotency-Key still matches its first request. */
function pairingFingerprint(input: CreatePairingInput): string {
  return fingerprintOf([
    input.subscription,
    input.processImmediately,
    input.scheduledDate?.toISOString() ?? null,
    input.priority,
    input.smartcardCaIds,
    input.stbCaIds,
  ]);
}

@CommandHandler(CreatePairingCommand)
export class CreatePairingHandler implements ICommandHandler<CreatePairingCommand, ProvisioningRequestView> {
  constructor(
    private readonly creation: RequestCreation,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
  ) {}

  async execute({ input, context, abandoned }: CreatePairingCommand): Promise<ProvisioningRequestView> {
    const limits = { maxSmartcards: this.settings.maxSmartcards, maxStbs: this.settings.maxStbs };
    const requestId = this.creation.requestIdOf(input, context);
    const command: CreatePairing = {
      ...this.creation.opening(input, requestId, pairingFingerprint(input)),
      smartcards: input.smartcardCaIds.map((smartcard_ca_id) => ({ id: this.ids.newId(), smartcard_ca_id })),
      stbs: input.stbCaIds.map((stb_ca_id) => ({ id: this.ids.newId(), stb_ca_id })),
    };
    validatePairing(command, limits); // before a number is spent on it
    return this.creation.create(
      'create_pairing',
      requestId,
      input,
      context,
      (state, number) => decideCreatePairing(state, { ...command, number }, limits),
      abandoned,
    );
  }
}
