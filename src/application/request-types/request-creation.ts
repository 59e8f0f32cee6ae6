import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, OpenRequest, Priority, ProvisioningRequestEvent, ProvisioningRequestState, SubscriptionIdentifier } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { derivedId, ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { CommandContext, ProvisioningRequestStreams } from '../provisioning-request-streams';
import { ProvisioningRequestView, evolveView } from '../read-model/provisioning-request-view';
import { RequestViewReader } from '../read-model/request-view.reader';
import { settleWithin, TimedOutError } from '../settle-within';

/** A read that has not answered this long after its own wait ended is given up on (a stalled database). */
const READ_GRACE_MS = 1_000;

/** How long a create waits for the event store (number, append) before answering that it may have been stored. */
const STORE_WAIT_MS = 5_000;

/**
 * A create whose answer cannot be given now: `stored` — the append committed but the request's state could
 * not be read; not `stored` — the event store did not confirm the append in time, so it may or may not have
 * committed. Either way the caller is told the request id and to retry with the same Idempotency-Key.
 */
export class CreateUnconfirmedError extends Error {
  constructor(
    readonly requestId: string,
    readonly stored: boolean,
    cause: unknown,
  ) {
    super(`Provisioning request ${requestId} ${stored ? 'was stored, but its state could not be read' : 'may have been stored'}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'CreateUnconfirmedError';
  }
}

/** The view of a request from the events that created it, exactly as the projection will store it. */
function viewOfWrite(appended: readonly ProvisioningRequestEvent[], context: CommandContext, timestamp: string): ProvisioningRequestView | null {
  return appended.reduce<ProvisioningRequestView | null>((view, event) => evolveView(view, event, { user: context.user, timestamp }), null);
}

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
    const storing = (async () => {
      // A stream that exists stays so: a retry with the same key never spends a number.
      const exists = input.idempotencyKey !== null && (await this.exists(requestId));
      const number = exists ? '' : String(await this.sequences.next('request_number'));
      // Without a key, requestIdOf drew a new id: there is no stream to read.
      return this.streams.decide(commandName, requestId, (state) => decide(state, number), context, input.idempotencyKey === null);
    })();
    let decided: Awaited<typeof storing>;
    try {
      decided = await settleWithin(storing, STORE_WAIT_MS);
    } catch (error) {
      // A stalled store: the append may still commit after this answer, so the caller is told so.
      if (error instanceof TimedOutError) throw new CreateUnconfirmedError(requestId, false, error);
      throw error;
    }
    // From here on the request is stored: no failure or stall of a read may turn that into an error that
    // invites a retry without the key (which would create it twice), nor hold the caller for longer than
    // the wait it asked for.
    const written = decided.fromEmpty && decided.timestamp !== null ? viewOfWrite(decided.appended, context, decided.timestamp) : null;
    // process_immediately: the dispatch saga sends it as soon as the creation event is stored (so a crash
    // right here still sends it); the caller waits, bounded, for Conax's outcome.
    const waitMs = input.processImmediately ? this.settings.processImmediatelyWaitMs : this.settings.readYourWritesTimeoutMs;
    const reading = input.processImmediately
      ? this.reader.waitForFinal(requestId, performance.now() + waitMs, abandoned)
      : this.reader.readAfterWrite(requestId, decided.position, waitMs);
    try {
      return await settleWithin(reading, waitMs + READ_GRACE_MS);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (written) return written; // the request as this call stored it
      throw new CreateUnconfirmedError(requestId, true, error);
    }
  }
}
