import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { closedObject } from '../envelope.schema';

/** The operations routes' answers (operators, the console, `npm run parked`): closed objects, every member present. */

const string: SchemaObject = { type: 'string' };
const nullableString: SchemaObject = { type: 'string', nullable: true };
const integer: SchemaObject = { type: 'integer', minimum: 0 };
const nullableInteger: SchemaObject = { type: 'integer', nullable: true };
const boolean: SchemaObject = { type: 'boolean' };


/** The operator as recorded: every member of a user, and the organisation, which the service's own actions lack. */
const userMembers = { id: string, username: string, person_name: nullableString, email: nullableString };
const user: SchemaObject = { ...closedObject(userMembers), properties: { ...userMembers, organisation: { ...string, description: 'The operator\'s organisation.' } } };

export const OPERATIONS_STATUS_SCHEMA = closedObject({
  subscribers: {
    type: 'array',
    items: closedObject({
      name: string,
      position: { ...nullableString, description: 'Last position handled (a decimal string).' },
      head: nullableString,
      lag: nullableInteger,
      caught_up: boolean,
      active: { ...boolean, description: 'This instance holds its lease.' },
      parked_here: integer,
      last_error: nullableString,
    }),
  },
  processing_run: closedObject({
    interval_ms: integer,
    scheduled: boolean,
    running: boolean,
    last_tick: closedObject(
      { at: string, result: string, run_id: nullableString, sent: integer, timed_out: integer, error: nullableString },
      { nullable: true },
    ),
  }),
  bus: closedObject({ reachable: boolean, dead_lettered_here: integer, dead_letter_topics: { type: 'array', items: string } }),
  consumers: {
    type: 'array',
    items: closedObject({ topic: string, group_id: string, joined: boolean, handled: integer, dead_lettered: integer, lag: nullableInteger }),
  },
  parked: closedObject({ events: integer, messages: integer }),
  catalogue: closedObject({ services: integer, smartcards: integer }),
  conax_queue: closedObject({ waiting: integer, oldest_waiting_seconds: integer }),
});

export const OPERATIONS_CHARTS_SCHEMA: SchemaObject = {
  type: 'array',
  items: closedObject({
    hour: { ...string, description: 'Start of the hour, ISO-8601 UTC.' },
    created: closedObject({ PENDING: integer, COMPLETED: integer, REJECTED: integer }),
    dispatch_to_outcome_ms: closedObject({ p50: nullableInteger, p95: nullableInteger, count: integer }),
  }),
};

export const PARKED_WORK_SCHEMA = closedObject({
  events: {
    type: 'array',
    items: closedObject({ subscriber: string, position: string, stream_id: string, event_id: string, type: string, reason: string, parked_at: string }),
  },
  messages: {
    type: 'array',
    items: closedObject({
      id: string,
      dlq_topic: string,
      source_topic: string,
      key: string,
      value: string,
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      reason: string,
      parked_at: string,
    }),
  },
});

/** The Conax provider's state (SPEC §11). */
export const PROVIDER_STATUS_SCHEMA: SchemaObject = closedObject({
  state: { type: 'string', enum: ['EFFECTIVE', 'NOT_EFFECTIVE'] },
  reason: nullableString,
  since: { ...nullableString, description: 'When it was last switched (ISO-8601 UTC); null if never.' },
});

export const OPERATOR_ACTIONS_SCHEMA: SchemaObject = {
  type: 'array',
  items: closedObject({
    type: { type: 'string', enum: ['ParkedWorkRedriven', 'ParkedWorkDiscarded', 'ConaxProviderSwitched'] },
    timestamp: string,
    user,
    correlation_id: string,
    data: closedObject({
      kind: { type: 'string', enum: ['event', 'message', 'provider'] },
      target: { type: 'object', additionalProperties: { type: 'string' } },
      reason: string,
      organisation: string,
    }),
  }),
};
