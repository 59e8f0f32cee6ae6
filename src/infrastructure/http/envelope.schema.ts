import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ERROR_STATUS, ErrorCode } from './api-error';
import { PARSER_REFUSALS } from './client-errors';
import { MAX_DESCRIPTION_BYTES } from './error-description';

/** The OpenAPI 3.0 way of saying "always null". */
/** An object with exactly these members, every one present: the shape of the service's own answers. */
export function closedObject(properties: Record<string, SchemaObject>, extra: SchemaObject = {}): SchemaObject {
  return { type: 'object', required: Object.keys(properties), additionalProperties: false, properties, ...extra };
}

export const NULL_SCHEMA: SchemaObject = { type: 'object', nullable: true, enum: [null] };

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/**
 * The envelope's own schemas (SPEC §1), added to the document's components by name (createApiDocument):
 * `status` of a successful answer, `status` of a refused one, and the error envelope every route can answer.
 */
export const ENVELOPE_SCHEMAS: Record<string, SchemaObject> = {
  OkStatus: {
    type: 'object',
    required: ['code', 'message', 'description'],
    additionalProperties: false,
    properties: { code: { type: 'string', enum: ['OK'] }, message: NULL_SCHEMA, description: NULL_SCHEMA },
  },
  ErrorStatus: {
    type: 'object',
    required: ['code', 'message', 'description'],
    additionalProperties: false,
    properties: {
      code: { type: 'string', enum: ERROR_CODES, description: 'Stable machine code; the HTTP status goes with it (docs/api.md).' },
      message: { type: 'string', description: 'One human sentence.' },
      description: { type: 'string', nullable: true, maxLength: MAX_DESCRIPTION_BYTES, description: 'The offending field(s) and why; null when there is nothing more to say.' },
    },
  },
  ErrorEnvelope: {
    type: 'object',
    required: ['status', 'data'],
    additionalProperties: false,
    properties: { status: { $ref: '#/components/schemas/ErrorStatus' }, data: { ...NULL_SCHEMA, description: 'Always null on error.' } },
  },
};

const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

/** What `data` holds in a successful answer: a model, an array of one, or null. */
export type EnvelopeData = Type<unknown> | [Type<unknown>] | null | SchemaObject;

function dataSchema(data: EnvelopeData): SchemaObject | ReferenceObject {
  if (data === null) return NULL_SCHEMA;
  if (Array.isArray(data)) return { type: 'array', items: { $ref: getSchemaPath(data[0]) } };
  if (typeof data === 'function') return { $ref: getSchemaPath(data) };
  return data;
}

function modelsOf(data: EnvelopeData): Array<Type<unknown>> {
  if (Array.isArray(data)) return [data[0]];
  return typeof data === 'function' ? [data] : [];
}

/** The envelope of a 200 answer with `data` as given. */
export function envelopeSchema(data: EnvelopeData): SchemaObject {
  return {
    type: 'object',
    required: ['status', 'data'],
    additionalProperties: false,
    properties: { status: ref('OkStatus'), data: dataSchema(data) },
  };
}

/** Documents a route's 200 answer: the envelope, and `data` as given. */
export function ApiOkEnvelope(data: EnvelopeData, description: string, ...extraModels: Array<Type<unknown>>) {
  return applyDecorators(
    ApiExtraModels(...modelsOf(data), ...extraModels),
    ApiResponse({ status: 200, description, content: { 'application/json': { schema: envelopeSchema(data) } } }),
  );
}

/** What any route can answer, whatever it does: refused input, an oversized or mistyped body, the rate limit, an outage. */
const EVERY_ROUTE: ErrorCode[] = ['INVALID_PARAMETER', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL_ERROR'];

function errorResponse(status: number, codes: readonly ErrorCode[], description: string) {
  return ApiResponse({
    status,
    description,
    content: {
      'application/json': {
        schema: { allOf: [ref('ErrorEnvelope'), { type: 'object', properties: { status: { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } } } }] },
      },
    },
  });
}

/**
 * Documents the envelope errors a route can answer with, grouped by HTTP status, each with the error
 * envelope and the codes it may carry: the route's own, those of EVERY_ROUTE, and the HTTP parser's
 * refusals (408, 431; see client-errors.ts).
 */
export function ApiErrors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, ...EVERY_ROUTE]) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), code])]);
  }
  return applyDecorators(
    ...[...byStatus.entries()].map(([status, list]) => errorResponse(status, list, `status.code ${list.join(' or ')}; data is null.`)),
    ...Object.entries(PARSER_REFUSALS)
      .filter(([status]) => !byStatus.has(Number(status)))
      .map(([status, refusal]) => errorResponse(Number(status), ['INVALID_PARAMETER'], `${refusal.message} status.code INVALID_PARAMETER; data is null.`)),
  );
}
