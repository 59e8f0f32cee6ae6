import { createHash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreatePairing, decideCreatePairing, validatePairing } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../limits';
import { CLOCK, Clock } from '../ports/clock.port';
import { derivedId, ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { ProvisioningRequestStreams } from '../provisioning-request-streams';
import { ProvisioningRequestView } from '../read-model/provisioning-request-view';
import { RequestViewReader } from '../read-model/request-view.reader';
import { CreatePairingCommand, CreatePairingInput } from './create-pairing.command';

/** What the caller asked for, in a canonical form: equal fingerprints mean the same request. */
function fingerprintOf(input: CreatePairingInput): string {
  const canonical = JSON.stringify([
    input.subscription,
    input.processImmediately,
    input.scheduledDate?.toISOString() ?? null,
    input.priority,
    input.smartcardCaIds,
    input.stbCaIds,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Idempotency rides on the event store's own concurrency: with a key, the request ID is derived from the
 * caller and the key, and the stream is created with `no_stream`. Of concurrent duplicates one append wins;
 * the others lose the race, reload, and the decider sees the same fingerprint and decides nothing.
 */
@CommandHandler(CreatePairingCommand)
export class CreatePairingHandler implements ICommandHandler<CreatePairingCommand, ProvisioningRequestView> {
  constructor(
    private readonly streams: ProvisioningRequestStreams,
    private readonly reader: RequestViewReader,
    @Inject(SEQUENCE_ALLOCATOR) private readonly sequences: SequenceAllocator,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
  ) {}

  async execute({ input, context, abandoned }: CreatePairingCommand): Promise<ProvisioningRequestView> {
    const limits = { maxSmartcards: this.settings.maxSmartcards, maxStbs: this.settings.maxStbs };
    const now = this.clock.now();
    const requestId =
      input.idempotencyKey === null
        ? this.ids.newId()
        : derivedId('idempotency-key', input.organisation, context.user.id, input.idempotencyKey);
    const command: CreatePairing = {
      requestId,
      number: '',
      organisation: input.organisation,
      subscription: input.subscription,
      processImmediately: input.processImmediately,
      scheduledDate: input.scheduledDate,
      priority: input.priority,
      smartcards: input.smartcardCaIds.map((smartcard_ca_id) => ({ id: this.ids.newId(), smartcard_ca_id })),
      stbs: input.stbCaIds.map((stb_ca_id) => ({ id: this.ids.newId(), stb_ca_id })),
      fingerprint: fingerprintOf(input),
      now,
    };
    const decided = await this.streams.decide(
      'create_pairing',
      requestId,
      async (state) => {
        if (state.status === 'Initial' && command.number === '') {
          validatePairing(command, limits); // before a number is spent on it
          command.number = String(await this.sequences.next('request_number'));
        }
        return decideCreatePairing(state, command, limits);
      },
      context,
    );
    // process_immediately: the dispatch saga sends it as soon as PairingRequested is stored (so a crash
    // right here still sends it); the caller waits, bounded, for Conax's outcome.
    if (input.processImmediately) return this.reader.waitForFinal(requestId, Date.now() + this.settings.processImmediatelyWaitMs, abandoned);
    return this.reader.readAfterWrite(requestId, decided.position, this.settings.readYourWritesTimeoutMs);
  }
}
