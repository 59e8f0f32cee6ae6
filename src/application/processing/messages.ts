/**
 * The JSON messages between the service and the Conax connector (documented in docs/asyncapi.yaml).
 * Each carries its schema name; a message this build cannot read is refused with MalformedMessageError,
 * which the bus parks on the dead-letter topic.
 */
import { PoisonMessageError } from '../ports/message-bus.port';
import { CONAX_OPERATIONS, ConaxOperation } from '../ports/conax-client.port';
import { OUTCOME_SCHEMA, OutcomeMessage } from '../ports/outcome-message';
import { QueryResult, SealedSecret } from '../../domain/provisioning-request';

/** v2 names the Conax operation; v1 (written before there was more than one) is read as a CreatePairing. */
export const DISPATCH_SCHEMA = 'conax.provisioning.dispatch.v2';
export const DISPATCH_SCHEMA_V1 = 'conax.pairing.dispatch.v1';

export interface DispatchMessage {
  schema: typeof DISPATCH_SCHEMA;
  request_id: string;
  attempt: number;
  sequence_number: string;
  /** Which Conax operation `request` is the payload of. */
  operation: ConaxOperation;
  /** The exact payload to send to Conax (the request's `request`). */
  request: string;
  dispatched_at: string;
  /** The CA IDs in `request`, so the connector can ask Conax what it already did for them. */
  smartcard_ca_ids: string[];
  stb_ca_ids: string[];
  /** The service of an AddSubscription / CancelSubscription; null otherwise. */
  service_ca_id: string | null;
  /**
   * The request's PIN sealed under its own key (SetPin); absent otherwise. `request` holds "****" where the
   * PIN goes: the connector opens this with the request's key as it calls, and once the request is final
   * the key is gone and this can never be opened again.
   */
  sealed_pin?: SealedSecret;
}

export class MalformedMessageError extends PoisonMessageError {}

function parseObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedMessageError('not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new MalformedMessageError('not a JSON object');
  return value as Record<string, unknown>;
}

function text(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw new MalformedMessageError(`${key} must be a non-empty string`);
  return value;
}

function positive(object: Record<string, unknown>, key: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new MalformedMessageError(`${key} must be a positive integer`);
  return value;
}

function instant(object: Record<string, unknown>, key: string): string {
  const value = text(object, key);
  if (Number.isNaN(Date.parse(value))) throw new MalformedMessageError(`${key} must be an ISO-8601 instant`);
  return value;
}

export function parseDispatchMessage(raw: string): DispatchMessage {
  const o = parseObject(raw);
  if (o.schema !== DISPATCH_SCHEMA && o.schema !== DISPATCH_SCHEMA_V1) throw new MalformedMessageError(`schema must be ${DISPATCH_SCHEMA}`);
  const operation = o.schema === DISPATCH_SCHEMA_V1 ? 'CreatePairing' : o.operation;
  if (!CONAX_OPERATIONS.includes(operation as ConaxOperation)) {
    throw new MalformedMessageError(`operation must be one of ${CONAX_OPERATIONS.join(', ')}`);
  }
  return {
    schema: DISPATCH_SCHEMA,
    request_id: text(o, 'request_id'),
    attempt: positive(o, 'attempt'),
    sequence_number: text(o, 'sequence_number'),
    operation: operation as ConaxOperation,
    request: text(o, 'request'),
    dispatched_at: instant(o, 'dispatched_at'),
    smartcard_ca_ids: texts(o, 'smartcard_ca_ids'),
    stb_ca_ids: texts(o, 'stb_ca_ids'),
    service_ca_id: o.service_ca_id === undefined || o.service_ca_id === null ? null : text(o, 'service_ca_id'),
    ...(o.sealed_pin === undefined ? {} : { sealed_pin: sealed(o, 'sealed_pin') }),
  };
}

function sealed(object: Record<string, unknown>, key: string): SealedSecret {
  const value = object[key];
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new MalformedMessageError(`${key} must be an object`);
  const member = value as Record<string, unknown>;
  return { ciphertext: text(member, 'ciphertext'), iv: text(member, 'iv'), tag: text(member, 'tag') };
}

/** An optional list of strings (absent in older messages: empty). */
function texts(object: Record<string, unknown>, key: string): string[] {
  const value = object[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new MalformedMessageError(`${key} must be a list of strings`);
  return value as string[];
}

/** A query's parsed answer, in one of the shapes of SPEC §8. */
function queryResult(value: unknown): QueryResult {
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if ((o.status === 'PAIRED' || o.status === 'NOT_PAIRED') && strings(o.stbs)) return { status: o.status, stbs: o.stbs as string[] };
    if (strings(o.cards)) return { cards: o.cards as string[] };
    if (Array.isArray(o.services) && o.services.every((item) => item && typeof item === 'object' && typeof (item as Record<string, unknown>).service_ca_id === 'string')) {
      return { services: (o.services as { service_ca_id: string }[]).map((item) => ({ service_ca_id: item.service_ca_id })) };
    }
  }
  throw new MalformedMessageError('answer must be a pairing status, a list of cards or a list of services');
}

export function parseOutcomeMessage(raw: string): OutcomeMessage {
  const o = parseObject(raw);
  if (o.schema !== OUTCOME_SCHEMA) throw new MalformedMessageError(`schema must be ${OUTCOME_SCHEMA}`);
  const common = {
    schema: OUTCOME_SCHEMA,
    request_id: text(o, 'request_id'),
    attempt: positive(o, 'attempt'),
    executed_at: instant(o, 'executed_at'),
  } as const;
  if (o.result === 'accepted') {
    const answer = o.answer === undefined ? {} : { answer: queryResult(o.answer) };
    return { ...common, result: 'accepted', response: text(o, 'response'), reference_number: text(o, 'reference_number'), ...answer };
  }
  if (o.result === 'rejected') {
    return {
      ...common,
      result: 'rejected',
      response: typeof o.response === 'string' ? o.response : null,
      error_code: text(o, 'error_code'),
      error_description: text(o, 'error_description'),
    };
  }
  if (o.result === 'unanswered') return { ...common, result: 'unanswered', reason: text(o, 'reason') };
  throw new MalformedMessageError('result must be accepted, rejected or unanswered');
}
