import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OpenRequest, Priority, ProvisioningRequestEvent, ProvisioningRequestState, SubscriptionIdentifier } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { derivedId, ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { CommandContext, ProvisioningRequestStreams } from '../provisioning-request-streams';
import { ProvisioningRequestView } from '../read-model/provisioning-request-view';
import { RequestViewReader } from '../read-model/request-view.reader';

/** What every create route carries besides its type's own content. */
export interface CreationInput {
  processImmediately: boolean;
  scheduledDate: Date | null;
  priority: Priority;
  /** Client-chosen key that makes a retry return the first result instead of creating again. */
  idempotencyKey: string | null;
  organisation: string;
}

/** What the caller asked for, in a canonical form: equal fingerprints mean the same request. */
export function fingerprintOf(canonical: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * The steps every request type's create handler shares. Idempotency rides on the event store's own
 * concurrency: with a key, the request ID is derived from the caller and the key, and the stream is created
 * with `no_stream`; of concurrent duplicates one append wins, the others lose the race, reload, and the
 * decider sees the same fingerprint and decides nothing. The request number is drawn before deciding (the
 * decision is pure), and only when the content passed its rules and the stream is new.
 */
@Injectable()
export class RequestCreation {
  constructor(
    private readonly streams: ProvisioningRequestStreams,
    private readonly reader: RequestViewReader,
    @Inject(SEQUENCE_ALLOCATOR) private readonly sequences: SequenceAllocator,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** What every type's creation command carries, from the caller's input (the number comes with `create`). */
  opening(input: CreationInput & { subscription: SubscriptionIdentifier | null }, requestId: string, fingerprint: string): OpenRequest {
    return {
      requestId,
      number: '',
      organisation: input.organisation,
      subscription: input.subscription,
      processImmediately: input.processImmediately,
      scheduledDate: input.scheduledDate,
      priority: input.priority,
      fingerprint,
      now: this.clock.now(),
    };
  }

  requestIdOf(input: CreationInput, context: CommandContext): string {
    return input.idempotencyKey === null
      ? this.ids.newId()
      : derivedId('idempotency-key', input.organisation, context.user.id, input.idempotencyKey);
  }

  /** True once the request's stream exists (it then exists for ever). */
  async exists(requestId: string): Promise<boolean> {
    return (await this.streams.load(requestId)).revision !== null;
  }

  /**
   * `decide` gets the state and the number drawn for the request ('' when the stream already existed, where
   * the decider only compares fingerprints). Answers the request as stored; with process_immediately, as it
   * stands when Conax's outcome arrives or the wait ends.
   */
  async create(
    commandName: string,
    requestId: string,
    input: CreationInput,
    context: CommandContext,
    decide: (state: ProvisioningRequestState, number: string) => ProvisioningRequestEvent[],
    abandoned?: AbortSignal,
  ): Promise<ProvisioningRequestView> {
    // A stream that exists stays so: a retry with the same key never spends a number.
    const exists = input.idempotencyKey !== null && (await this.exists(requestId));
    const number = exists ? '' : String(await this.sequences.next('request_number'));
    // Without a key, requestIdOf drew a new id: there is no stream to read.
    const decided = await this.streams.decide(commandName, requestId, (state) => decide(state, number), context, input.idempotencyKey === null);
    // process_immediately: the dispatch saga sends it as soon as the creation event is stored (so a crash
    // right here still sends it); the caller waits, bounded, for Conax's outcome.
    if (input.processImmediately) {
      return this.reader.waitForFinal(requestId, Date.now() + this.settings.processImmediatelyWaitMs, abandoned);
    }
    return this.reader.readAfterWrite(requestId, decided.position, this.settings.readYourWritesTimeoutMs);
  }
}
