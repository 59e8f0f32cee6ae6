import { Inject, Injectable } from '@nestjs/common';
import {
  fold,
  initialState,
  ProvisioningRequestEvent,
  ProvisioningRequestState,
  provisioningRequestStreamId,
} from '../domain/provisioning-request';
import { CURRENT_SCHEMA_VERSION, decodeEvent } from './event-codec';
import { CLOCK, Clock } from './ports/clock.port';
import {
  EVENT_STORE,
  EventStore,
  NewEvent,
  UserRef,
  WrongExpectedRevisionError,
} from './ports/event-store.port';
import { ID_GENERATOR, IdGenerator } from './ports/id-generator.port';
import { SERVICE_METRICS, ServiceMetrics } from './ports/metrics.port';

/** Who asks, and which conversation the resulting events belong to. */
export interface CommandContext {
  user: UserRef;
  correlationId: string;
  causationId: string | null;
}

export interface Loaded {
  state: ProvisioningRequestState;
  /** Revision of the last event; null when the stream does not exist. */
  revision: bigint | null;
}

export interface Decided {
  appended: ProvisioningRequestEvent[];
  /** Global position of the last appended event; null when nothing was appended. */
  position: bigint | null;
  /** The appended events' metadata timestamp (one per append); null when nothing was appended. */
  timestamp: string | null;
  /** The decision was made on an empty stream: `appended` is the stream's whole history. */
  fromEmpty: boolean;
}

/** Pure and synchronous: anything drawn from outside (numbers, ids, the time) is drawn before deciding. */
export type Decide = (state: ProvisioningRequestState) => ProvisioningRequestEvent[];

/** After this many lost races on one stream the command gives up (the caller sees the conflict). */
const MAX_APPEND_ATTEMPTS = 5;

/** The command-side loop: load, fold, decide, append with the expected revision, retry on conflict. */
@Injectable()
export class ProvisioningRequestStreams {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(SERVICE_METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  async load(requestId: string): Promise<Loaded> {
    const events = await this.store.readStream(provisioningRequestStreamId(requestId));
    return {
      state: fold(events.map(decodeEvent)),
      revision: events.length ? events[events.length - 1].revision : null,
    };
  }

  /**
   * `command` names the command in metrics (create_pairing, dispatch, …). `newId`: the request id was drawn
   * just now, so no stream can have it yet: the first attempt decides against the empty state without reading
   * (on PostgreSQL a round trip per create) and appends expecting no stream; should the id exist after all,
   * that append fails with a conflict and the retry reads the stream like any other.
   */
  async decide(command: string, requestId: string, decide: Decide, context: CommandContext, newId = false): Promise<Decided> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const decided = await this.decideWithRetries(requestId, decide, context, newId);
      this.metrics.commandHandled(command, seconds(), decided.appended.length ? 'appended' : 'unchanged');
      return decided;
    } catch (error) {
      this.metrics.commandHandled(command, seconds(), 'failed');
      throw error;
    }
  }

  private async decideWithRetries(requestId: string, decide: Decide, context: CommandContext, newId: boolean): Promise<Decided> {
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = newId && attempt === 1 ? { state: initialState, revision: null } : await this.load(requestId);
      const decided = decide(state);
      if (decided.length === 0) return { appended: [], position: null, timestamp: null, fromEmpty: revision === null };
      const timestamp = this.clock.now().toISOString();
      try {
        const result = await this.store.appendToStream(
          provisioningRequestStreamId(requestId),
          decided.map((event) => this.toNewEvent(event, context, timestamp)),
          revision === null ? 'no_stream' : revision,
        );
        this.metrics.eventsAppended(decided.length);
        return { appended: decided, position: result.position, timestamp, fromEmpty: revision === null };
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) this.metrics.appendConflict();
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      }
    }
  }

  private toNewEvent(event: ProvisioningRequestEvent, context: CommandContext, timestamp: string): NewEvent {
    return {
      eventId: this.ids.newId(),
      type: event.type,
      data: event.data,
      metadata: {
        correlation_id: context.correlationId,
        causation_id: context.causationId,
        user: context.user,
        timestamp,
        schema_version: CURRENT_SCHEMA_VERSION[event.type],
      },
    };
  }
}
