import { Inject, Injectable } from '@nestjs/common';
import { OPERATOR_ACTIONS_STREAM, OperatorActionData, operatorActionLogDecider, OperatorActionType } from '../../domain/operator-actions/operator-action-log.decider';
import { logStream, StreamCommandHandler } from '../command-handling/command-handler';
import { EVENT_STORE, EventStore, UserRef } from '../ports/event-store.port';

export { OPERATOR_ACTIONS_STREAM, OperatorActionData, OperatorActionType };

const operatorActionLog = logStream(OPERATOR_ACTIONS_STREAM, operatorActionLogDecider);

/** Who acts, for which organisation, under which correlation id. */
export interface Operator {
  user: UserRef;
  organisation: string;
  correlationId: string;
}

export interface OperatorAction {
  type: OperatorActionType;
  timestamp: string;
  user: UserRef;
  correlation_id: string;
  data: OperatorActionData;
}

@Injectable()
export class OperatorActions {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commands: StreamCommandHandler,
  ) {}

  async record(type: OperatorActionType, data: OperatorActionData, user: UserRef, correlationId: string): Promise<void> {
    await this.commands.handle(operatorActionLog, OPERATOR_ACTIONS_STREAM, { type: 'RecordOperatorAction', action: { type, data } }, {
      context: { user, correlationId, causationId: null },
      metric: 'operator_action',
    });
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
