import { createHash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, ProvisioningRequestCommand, ProvisioningRequestEvent, ProvisioningRequestState, RequestType, rulesOf } from '../../domain/provisioning-request';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CommandContext, StreamCommandHandler } from '../command-handling/command-handler';
import { CATALOGUE, Catalogue } from '../ports/catalogue.port';
import { CLOCK, Clock } from '../ports/clock.port';
import { CONAX_REQUEST_FORMAT, ConaxRequestFormat } from '../ports/conax-request-format.port';
import { REQUEST_KEYS, RequestKeys } from '../ports/request-keys.port';
import { ConaxProvider } from '../operations/conax-provider';
import { derivedId, ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { SEQUENCE_ALLOCATOR, SequenceAllocator } from '../ports/sequence-allocator.port';
import { ProvisioningRequestStream } from '../provisioning-request.stream';
import { evolveView } from '../read-model/provisioning-request-view';
import { ProvisioningRequestView } from '../ports/read-model.port';
import { RequestViewReader } from '../read-model/request-view.reader';
import { settleWithin, TimedOutError } from '../settle-within';
import { CreationInput } from './request-type-definition';
import { definitionOf, InputOf } from './request-types';

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

/** A batch item's request id: the same item of the same batch is the same request, however often it is handled. */
export function batchItemRequestId(batchId: string, line: number): string {
  return derivedId('batch-item', batchId, String(line));
}

/** What the caller asked for, in a canonical form: equal fingerprints mean the same request. */
function fingerprintOf(canonical: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * Create a provisioning request of any type (the design's CreatePairing command is this command with type
 * CREATE_PAIRING): one command class and one handler for every type, so a new type registers nothing here.
 */
export class CreateRequestCommand<T extends RequestType = RequestType> extends Command<ProvisioningRequestView> {
  constructor(
    readonly type: T,
    readonly input: InputOf<T> & CreationInput,
    readonly context: CommandContext,
    /** Aborts when the caller has gone away: a process_immediately wait then ends at once. */
    readonly abandoned?: AbortSignal,
  ) {
    super();
  }
}

/**
 * The steps every request type's create shares. Idempotency rides on the event store's own concurrency:
 * with a key, the request ID is derived from the caller and the key, and the stream is created with
 * `no_stream`; of concurrent duplicates one append wins, the others lose the race, read the stream again,
 * and are decided as a repeat (same fingerprint: nothing new). What a new request needs from outside (its
 * type's catalogue look-ups and ids, then its number) is fetched only for a stream that does not exist, and
 * the number only once the draft has passed its type's rules.
 */
@CommandHandler(CreateRequestCommand)
export class CreateRequestHandler implements ICommandHandler<CreateRequestCommand, ProvisioningRequestView> {
  constructor(
    private readonly commands: StreamCommandHandler,
    private readonly requests: ProvisioningRequestStream,
    private readonly reader: RequestViewReader,
    @Inject(SEQUENCE_ALLOCATOR) private readonly sequences: SequenceAllocator,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REQUEST_KEYS) private readonly keys: RequestKeys,
    @Inject(CONAX_REQUEST_FORMAT) private readonly format: ConaxRequestFormat,
    private readonly provider: ConaxProvider,
  ) {}

  /**
   * Answers the request as stored; with process_immediately, as it stands when Conax's outcome arrives or the
   * wait ends.
   */
  async execute({ type, input, context, abandoned }: CreateRequestCommand): Promise<ProvisioningRequestView> {
    const definition = definitionOf(type);
    const requestId = this.requestIdOf(input, context);
    const fingerprint = fingerprintOf(definition.fingerprint(input));
    // A stream that exists stays so: a retry with the same key consults nothing and spends no number.
    const commandFor = (state: ProvisioningRequestState): Promise<ProvisioningRequestCommand> | ProvisioningRequestCommand =>
      state.status !== 'Initial' ? { type: 'RepeatOpenRequest', fingerprint } : this.openCommand(type, input, requestId, fingerprint);
    // Without a key the id was drawn just now: there is no stream to read.
    const storing = this.commands.handle(this.requests, requestId, commandFor, { context, metric: definition.route, newStream: input.idempotencyKey === null || input.batchItem !== undefined });
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
    const written = decided.view ?? (decided.fromEmpty && decided.timestamp !== null ? viewOfWrite(decided.appended, context, decided.timestamp) : null);
    // While the provider is NOT_EFFECTIVE nothing is sent: process_immediately answers at once (SPEC §11).
    const waitsForConax = input.processImmediately && (await this.provider.effective());
    // Written inline with the events (SQLite, PostgreSQL): the answer is what this call stored, with no wait.
    if (decided.view && !waitsForConax) return decided.view;
    // process_immediately: the dispatch saga sends it as soon as the creation event is stored (so a crash
    // right here still sends it); the caller waits, bounded, for Conax's outcome.
    const waitMs = waitsForConax ? this.settings.processImmediatelyWaitMs : this.settings.readYourWritesTimeoutMs;
    const reading = waitsForConax
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

  /** A batch item's id from its batch and line; with an Idempotency-Key, from the caller and the key; otherwise a new one. */
  private requestIdOf(input: CreateRequestCommand['input'], context: CommandContext): string {
    if (input.batchItem) return batchItemRequestId(input.batchItem.batchId, input.batchItem.line);
    return input.idempotencyKey === null ? this.ids.newId() : derivedId('idempotency-key', input.organisation, context.user.id, input.idempotencyKey);
  }

  /** The command that opens a new request: its draft (catalogue look-ups, ids), its type's rules, then its number. */
  private async openCommand(type: RequestType, input: CreateRequestCommand['input'], requestId: string, fingerprint: string): Promise<ProvisioningRequestCommand> {
    const definition = definitionOf(type);
    const { batchItem } = input;
    const base = {
      type,
      requestId,
      organisation: input.organisation,
      subscription: input.subscription,
      processImmediately: input.processImmediately,
      scheduledDate: input.scheduledDate,
      priority: input.priority,
      fingerprint,
      now: this.clock.now(),
      process: batchItem ? { name: batchItem.processName, id: batchItem.batchId } : null,
    };
    const draft = await definition.draft(input, base, {
      catalogue: this.catalogue,
      newId: () => this.ids.newId(),
      limits: { maxSmartcards: this.settings.maxSmartcards, maxStbs: this.settings.maxStbs },
      seal: (id, secret) => this.keys.seal(id, secret),
      unsendableText: (text) => this.format.unsendableText(text),
    });
    rulesOf(type).check(draft); // before a number is spent on it
    return { type: 'OpenRequest', draft, number: String(await this.sequences.next('request_number')) };
  }

  /**
   * A chunk of one batch's items (SPEC §10), each created as `execute` creates it (the same draft, rules, number
   * and event, its id derived from the batch and the line), all appended in one write, never waited for.
   * Answers per item null when its request exists (created now, or by an earlier run of the same chunk), or the
   * DomainError that refused it.
   */
  async createBatchItems(type: RequestType, inputs: ReadonlyArray<CreateRequestCommand['input']>, context: CommandContext): Promise<Array<DomainError | null>> {
    const definition = definitionOf(type);
    const opened = await Promise.all(
      inputs.map(async (input) => {
        if (!input.batchItem) throw new Error('A batch item names its batch and line.');
        const id = this.requestIdOf(input, context);
        try {
          return { id, command: await this.openCommand(type, input, id, fingerprintOf(definition.fingerprint(input))), refusal: undefined };
        } catch (error) {
          if (error instanceof DomainError) return { id, command: undefined, refusal: error };
          throw error;
        }
      }),
    );
    const creations = opened.flatMap(({ id, command }) => (command === undefined ? [] : [{ id, command }]));
    const handled = await this.commands.handleNewStreams(this.requests, creations, { context, metric: definition.route });
    const outcomes = new Map(creations.map(({ id }, i) => [id, handled[i] instanceof DomainError ? (handled[i] as DomainError) : null]));
    return opened.map((item) => (item.command === undefined ? (item.refusal ?? null) : (outcomes.get(item.id) ?? null)));
  }
}
