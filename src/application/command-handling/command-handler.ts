import { Inject, Injectable } from '@nestjs/common';
import { Decider } from '../../domain/decider';
import { DomainError } from '../../domain/provisioning-request/errors';
import { CLOCK, Clock } from '../ports/clock.port';
import { AppendResult, EVENT_STORE, EventStore, NewEvent, RecordedEvent, UserRef, WrongExpectedRevisionError } from '../ports/event-store.port';
import { ID_GENERATOR, IdGenerator } from '../ports/id-generator.port';
import { SERVICE_METRICS, ServiceMetrics } from '../ports/metrics.port';
import { ProvisioningRequestView } from '../ports/read-model.port';

/** Who asks, and which conversation the resulting events belong to. */
export interface CommandContext {
  user: UserRef;
  correlationId: string;
  causationId: string | null;
}

/** An event as deciders produce it; the handler adds the envelope. */
export interface DomainEvent {
  type: string;
  data: unknown;
}

/** One kind of stream: its decider and how its events are named, stored and read. */
export interface StreamKind<Command, Event extends DomainEvent, State> {
  readonly decider: Decider<Command, Event, State>;
  streamId(id: string): string;
  /** Stored event to domain event: where older shapes are upcast. */
  decode(recorded: RecordedEvent): Event;
  schemaVersion(type: Event['type']): number;
  /**
   * `whole`: the state is every event folded. `last`: a log whose state is its newest event alone (the
   * processing run's lease, the operator-action log), read in one cheap step however long it grows.
   */
  readonly read: 'whole' | 'last';
  /** The request view this stream keeps in step with its events, where the store can write it inline. */
  readonly inlineView?: InlineView<Event>;
}

/**
 * An inline projection: the stream's read-model row as it stands after an append, folded from the stream's
 * stored history and the appended events. A store whose database holds the read model writes it in the
 * append's own transaction (EventStore.writesViewInline), so it is never behind the append.
 */
export interface InlineView<Event> {
  after(history: readonly RecordedEvent[], appended: readonly Event[], context: { user: UserRef; timestamp: string }): ProvisioningRequestView | null;
  /** Told once an append with the view committed (whoever waits for the request is woken with it). */
  stored(view: ProvisioningRequestView): void;
}

/**
 * A single stream kept as a log of events stored as they were written (schema version 1), whose state is its
 * newest event alone: the processing run's lease, the operator-action log.
 */
export function logStream<Command, Event extends DomainEvent, State>(stream: string, decider: Decider<Command, Event, State>): StreamKind<Command, Event, State> {
  return {
    decider,
    streamId: () => stream,
    decode: (recorded) => ({ type: recorded.type, data: recorded.data }) as Event,
    schemaVersion: () => 1,
    read: 'last',
  };
}

export interface Loaded<State> {
  state: State;
  /** Revision of the last event; null when the stream does not exist. */
  revision: bigint | null;
  /** The events read (the whole stream for a `whole` read, the last event for a `last` one). */
  history: readonly RecordedEvent[];
}

export interface Handled<Event, State> {
  appended: Event[];
  /** The state after the appended events (the state decided on when nothing was appended). */
  state: State;
  /** Global position of the last appended event; null when nothing was appended. */
  position: bigint | null;
  /** The appended events' metadata timestamp (one per append); null when nothing was appended. */
  timestamp: string | null;
  /** The decision was made on an empty stream: `appended` is the stream's whole history. */
  fromEmpty: boolean;
  /** The stream's view as the append wrote it inline; null when none was written. */
  view: ProvisioningRequestView | null;
}

/**
 * The command, or how to build it from the state it will be decided on: what a decision needs from outside
 * (a number, catalogue CA IDs, a sequence number) is fetched there, for that state, never passed as a
 * placeholder. It runs again for each attempt, on the state that attempt read.
 */
export type CommandFor<Command, State> = Command | ((state: State) => Command | Promise<Command>);

export interface HandleOptions {
  context: CommandContext;
  /** Names the command in metrics (create_pairing, dispatch, …). */
  metric: string;
  /**
   * The id was drawn just now, so no stream can have it yet: the first attempt decides on the initial state
   * without reading (on PostgreSQL a round trip per create) and appends expecting no stream; should the
   * stream exist after all, that append conflicts and the retry reads it like any other.
   */
  newStream?: boolean;
}

/** After this many lost races on one stream the command gives up (the caller sees the conflict). */
const MAX_APPEND_ATTEMPTS = 5;

/**
 * The one command-side loop for every stream kind: read, fold, decide, append with the expected revision
 * (`no_stream` on an empty stream), retry a lost race on fresh state, and wrap each event in the envelope
 * (correlation, causation, user, time, schema version).
 */
@Injectable()
export class StreamCommandHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(SERVICE_METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  async load<C, E extends DomainEvent, S>(kind: StreamKind<C, E, S>, id: string): Promise<Loaded<S>> {
    const streamId = kind.streamId(id);
    const { decider } = kind;
    if (kind.read === 'last') {
      const last = await this.store.readLastEvent(streamId);
      return last === null
        ? { state: decider.initialState, revision: null, history: [] }
        : { state: decider.evolve(decider.initialState, kind.decode(last)), revision: last.revision, history: [last] };
    }
    const events = await this.store.readStream(streamId);
    return {
      state: events.reduce((state, recorded) => decider.evolve(state, kind.decode(recorded)), decider.initialState),
      revision: events.length ? events[events.length - 1].revision : null,
      history: events,
    };
  }

  async handle<C, E extends DomainEvent, S>(kind: StreamKind<C, E, S>, id: string, command: CommandFor<C, S>, options: HandleOptions): Promise<Handled<E, S>> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const handled = await this.handleWithRetries(kind, id, command, options);
      this.metrics.commandHandled(options.metric, seconds(), handled.appended.length ? 'appended' : 'unchanged');
      return handled;
    } catch (error) {
      this.metrics.commandHandled(options.metric, seconds(), 'failed');
      throw error;
    }
  }

  private async handleWithRetries<C, E extends DomainEvent, S>(kind: StreamKind<C, E, S>, id: string, command: CommandFor<C, S>, options: HandleOptions): Promise<Handled<E, S>> {
    const { decider } = kind;
    for (let attempt = 1; ; attempt++) {
      const { state, revision, history } = options.newStream && attempt === 1 ? { state: decider.initialState, revision: null, history: [] } : await this.load(kind, id);
      const resolved = typeof command === 'function' ? await (command as (state: S) => C | Promise<C>)(state) : command;
      const decided = decider.decide(resolved, state);
      if (decided.length === 0) return { appended: [], state, position: null, timestamp: null, fromEmpty: revision === null, view: null };
      const timestamp = this.clock.now().toISOString();
      const view = kind.inlineView && this.store.writesViewInline ? kind.inlineView.after(history, decided, { user: options.context.user, timestamp }) : null;
      try {
        const result = await this.store.appendToStream(
          kind.streamId(id),
          decided.map((event) => this.envelope(kind, event, options.context, timestamp)),
          revision === null ? 'no_stream' : revision,
          view ?? undefined,
        );
        this.metrics.eventsAppended(decided.length);
        const written = view !== null && result.viewWritten ? view : null;
        if (written) kind.inlineView!.stored(written);
        return { appended: decided, state: decided.reduce(decider.evolve, state), position: result.position, timestamp, fromEmpty: revision === null, view: written };
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) this.metrics.appendConflict();
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Many new streams of one kind at once (a batch's requests): each command decided on the initial state, and
   * every stream appended in one write where the store can (EventStore.appendToNewStreams). Answers per
   * creation what `handle` would, the DomainError its decider refused it with, or null when its stream already
   * existed (nothing was decided on it: the caller reads it, or handles it alone).
   */
  async handleNewStreams<C, E extends DomainEvent, S>(
    kind: StreamKind<C, E, S>,
    creations: ReadonlyArray<{ id: string; command: C }>,
    options: HandleOptions,
  ): Promise<Array<Handled<E, S> | DomainError | null>> {
    const started = process.hrtime.bigint();
    const { decider } = kind;
    const timestamp = this.clock.now().toISOString();
    const refusals = new Map<string, DomainError>();
    const decided = creations.map(({ id, command }) => {
      try {
        return { id, events: decider.decide(command, decider.initialState) };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refusals.set(id, error);
        return { id, events: [] };
      }
    });
    const writing = decided.filter(({ events }) => events.length > 0);
    const views = writing.map(({ events }) => (kind.inlineView && this.store.writesViewInline ? kind.inlineView.after([], events, { user: options.context.user, timestamp }) : null));
    let results: Array<AppendResult | null>;
    try {
      results = await this.store.appendToNewStreams(
        writing.map(({ id, events }, i) => ({ streamId: kind.streamId(id), events: events.map((event) => this.envelope(kind, event, options.context, timestamp)), view: views[i] ?? undefined })),
      );
    } catch (error) {
      this.metrics.commandHandled(options.metric, Number(process.hrtime.bigint() - started) / 1e9, 'failed');
      throw error;
    }
    const byId = new Map<string, Handled<E, S> | null>();
    writing.forEach(({ id, events }, i) => {
      const result = results[i];
      if (result === null) return byId.set(id, null);
      this.metrics.eventsAppended(events.length);
      const written = views[i] !== null && result.viewWritten ? views[i] : null;
      if (written) kind.inlineView!.stored(written);
      byId.set(id, { appended: events, state: events.reduce(decider.evolve, decider.initialState), position: result.position, timestamp, fromEmpty: true, view: written });
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9 / Math.max(1, creations.length);
    return decided.map(({ id, events }) => {
      const refusal = refusals.get(id);
      if (refusal) return refusal;
      const handled = events.length === 0 ? { appended: [], state: decider.initialState, position: null, timestamp: null, fromEmpty: true, view: null } : (byId.get(id) ?? null);
      if (handled) this.metrics.commandHandled(options.metric, seconds, handled.appended.length ? 'appended' : 'unchanged');
      return handled;
    });
  }

  private envelope<E extends DomainEvent>(kind: StreamKind<unknown, E, unknown>, event: E, context: CommandContext, timestamp: string): NewEvent {
    return {
      eventId: this.ids.newId(),
      type: event.type,
      data: event.data,
      metadata: {
        correlation_id: context.correlationId,
        causation_id: context.causationId,
        user: context.user,
        timestamp,
        schema_version: kind.schemaVersion(event.type),
      },
    };
  }
}
