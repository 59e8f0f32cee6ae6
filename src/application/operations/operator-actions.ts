import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLOCK, Clock } from '../ports/clock.port';
import { EVENT_STORE, EventStore, UserRef, WrongExpectedRevisionError } from '../ports/event-store.port';

/** Every operator action on parked work is an event in this stream: who, when, what, and why it was parked. */
export const OPERATOR_ACTIONS_STREAM = 'operator_actions';

export type OperatorActionType = 'ParkedWorkRedriven' | 'ParkedWorkDiscarded';

export interface OperatorActionData {
  /** `event`: an event a subscriber parked; `message`: a dead-lettered message. */
  kind: 'event' | 'message';
  /** The subscriber and position, or the dead letter's id and topics. */
  target: Record<string, string>;
  /** Why it had been parked. */
  reason: string;
  /** The organisation of the operator (the action spans organisations; this records who, not whose). */
  organisation: string;
}

export interface OperatorAction {
  type: OperatorActionType;
  timestamp: string;
  user: UserRef;
  correlation_id: string;
  data: OperatorActionData;
}

const MAX_APPEND_ATTEMPTS = 5;

@Injectable()
export class OperatorActions {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(type: OperatorActionType, data: OperatorActionData, user: UserRef, correlationId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const last = await this.store.readLastEvent(OPERATOR_ACTIONS_STREAM);
      try {
        await this.store.appendToStream(
          OPERATOR_ACTIONS_STREAM,
          [
            {
              eventId: randomUUID().replace(/-/g, '').toUpperCase(),
              type,
              data,
              metadata: { correlation_id: correlationId, causation_id: null, user, timestamp: this.clock.now().toISOString(), schema_version: 1 },
            },
          ],
          last === null ? 'no_stream' : last.revision,
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      }
    }
  }

  /** Newest first. */
  async recent(limit: number): Promise<OperatorAction[]> {
    const events = await this.store.readStream(OPERATOR_ACTIONS_STREAM);
    return events
      .slice(-limit)
      .reverse()
      .map((recorded) => ({
        type: recorded.type as OperatorActionType,
        timestamp: recorded.metadata.timestamp,
        user: recorded.metadata.user,
        correlation_id: recorded.metadata.correlation_id,
        data: recorded.data as OperatorActionData,
      }));
  }
}
