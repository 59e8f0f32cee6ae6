import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PRIORITIES, REQUEST_TYPES } from '../../../domain/provisioning-request';
import { VIEW_FIELDS } from '../../../application/read-model/provisioning-request-view';
import { NULL_SCHEMA } from '../envelope.schema';

/** The answers' schemas (SPEC §3): what a generated client types `data` as. Dates are written in the service zone. */

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$', example: '2026-12-01T10:00:00' } as const;
const ID = { type: 'string', pattern: '^[0-9A-F]{32}$', example: '6F1C0C1B4B7D4E0E9A54C5A1D2E3F4A5' } as const;

export class UserResponse {
  @ApiProperty({ description: 'The user id.' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty({ type: String, nullable: true })
  person_name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;
}

export class SubscriptionResponse {
  @ApiProperty({ type: String, nullable: true })
  id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  number!: string | null;
}

export class LogInformationResponse {
  @ApiProperty(DATE)
  created_date!: string;

  @ApiProperty({ type: UserResponse })
  created_by_user!: UserResponse;

  @ApiProperty(DATE)
  updated_date!: string;

  @ApiProperty({ type: UserResponse })
  updated_by_user!: UserResponse;
}

/** One parameter sent to Conax: `id` and exactly one CA identifier. */
export class RequestParameterResponse {
  @ApiProperty({ description: 'The parameter\'s id.' })
  id!: string;

  @ApiPropertyOptional({ description: 'create_pairing: one per smartcard; the subscription types: the card the service is changed on.' })
  smartcard_ca_id?: string;

  @ApiPropertyOptional({ description: 'create_pairing: one per set-top box.' })
  stb_ca_id?: string;

  @ApiPropertyOptional({ description: 'add/cancel_subscriptions: the service.' })
  service_ca_id?: string;

  @ApiPropertyOptional({ description: 'add/cancel_subscriptions, when the catalogue knows it.' })
  sub_provisioning_distribution_id?: string;

  @ApiPropertyOptional({ description: 'Mail and bark messages: the text.' })
  text?: string;

  @ApiPropertyOptional({ ...DATE, description: 'Fingerprints and messages: when they start.' })
  start_date?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Fingerprints and bark messages: how long they are shown.' })
  duration_seconds?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Repeating bark messages: how many times.' })
  repetitions?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Repeating bark messages: seconds between showings.' })
  interval_seconds?: number;

  @ApiPropertyOptional({ enum: ['****'], description: 'update_ca_pin_to_given_value: the PIN, never shown.' })
  pin?: string;
}

/** A query type's parsed answer (SPEC §8). */
export const QUERY_RESULT_SCHEMA = {
  description:
    'The three query types once COMPLETED: GET_PAIRING_STATUS_FOR_CARD {status, stbs}, GET_PAIRING_STATUS_FOR_PAIRING_MODULE {cards}, GET_ACTIVE_SUBSCRIPTIONS {services}; null for every other type and until completed.',
  oneOf: [
    {
      type: 'object',
      required: ['status', 'stbs'],
      additionalProperties: false,
      properties: { status: { type: 'string', enum: ['PAIRED', 'NOT_PAIRED'] }, stbs: { type: 'array', items: { type: 'string' } } },
    },
    { type: 'object', required: ['cards'], additionalProperties: false, properties: { cards: { type: 'array', items: { type: 'string' } } } },
    {
      type: 'object',
      required: ['services'],
      additionalProperties: false,
      properties: {
        services: {
          type: 'array',
          items: { type: 'object', required: ['service_ca_id'], additionalProperties: false, properties: { service_ca_id: { type: 'string' } } },
        },
      },
    },
    NULL_SCHEMA,
  ],
} satisfies SchemaObject;

/** The provisioning request object (SPEC §3), every field as `show` and `list` answer it without `fields_set`. */
@ApiExtraModels(SubscriptionResponse)
export class ProvisioningRequestResponse {
  @ApiProperty(ID)
  id!: string;

  @ApiProperty({ example: '4049', description: 'Human number: unique, increasing.' })
  number!: string;

  @ApiProperty({ enum: REQUEST_TYPES })
  type!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Order in which requests were sent to Conax; null until sent.' })
  sequence_number!: string | null;

  @ApiProperty({ ...DATE, nullable: true, description: 'When it is due to be sent; null: at once.' })
  scheduled_date!: string | null;

  @ApiProperty({ ...DATE, nullable: true, description: 'When it was sent; null until sent.' })
  executed_date!: string | null;

  @ApiProperty({ enum: PRIORITIES })
  priority!: string;

  @ApiProperty()
  process_immediately!: boolean;

  @ApiProperty({ enum: ['PENDING', 'REJECTED', 'COMPLETED'] })
  life_cycle_state!: 'PENDING' | 'REJECTED' | 'COMPLETED';

  @ApiProperty({ type: String, nullable: true, description: 'The exact operation sent to Conax (the SOAP Body\'s content; the envelope carries the Conax session and is not kept); null until sent.' })
  request!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The exact reply received from Conax (the SOAP Body\'s content: the reply or the Fault); null until it answered.' })
  response!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Reference Conax returned on receipt.' })
  reference_number!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was rejected (by this service or by Conax).' })
  error_code!: string | null;

  @ApiProperty({ type: String, nullable: true })
  error_description!: string | null;

  @ApiProperty({ example: 'MANUAL', description: 'Requests created through this API: MANUAL.' })
  process_name!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The processing run that sent it (a request sent at once with process_immediately is a run of its own); null until sent.' })
  process_id!: string | null;

  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(SubscriptionResponse) }, NULL_SCHEMA], description: 'As submitted, or null.' })
  subscription!: SubscriptionResponse | null;

  @ApiProperty({ type: LogInformationResponse })
  log_information!: LogInformationResponse;

  @ApiProperty({ type: [RequestParameterResponse] })
  parameters_set!: RequestParameterResponse[];

  @ApiProperty(QUERY_RESULT_SCHEMA as ApiPropertyOptions)
  result!: Record<string, unknown> | null;
}

/**
 * `data` of show and of each list item: the whole object, or with `fields_set` only the fields named (in
 * the order named). A generated client sees the union and narrows on what it asked for.
 */
export const REQUEST_DATA_SCHEMA: SchemaObject = {
  anyOf: [
    { $ref: getSchemaPath(ProvisioningRequestResponse) },
    {
      type: 'object',
      description: 'With fields_set: the named fields only, each as in the whole object.',
      minProperties: 1,
      additionalProperties: false,
      properties: Object.fromEntries(VIEW_FIELDS.map((field) => [field, { $ref: `${getSchemaPath(ProvisioningRequestResponse)}/properties/${field}` }])),
    },
  ],
};

/** One stored event of a request, as `history` answers it (the audit replay). */
export class HistoryEntryResponse {
  @ApiProperty(ID)
  event_id!: string;

  @ApiProperty({ example: 'PairingRequested', description: 'The event type (SPEC §7).' })
  type!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'The event\'s revision in its stream (0 first).' })
  revision!: number;

  @ApiProperty({ example: '1042', description: 'The event\'s position in the whole log (a decimal string: it may exceed 2^53).' })
  position!: string;

  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-12-01T08:00:00.000Z', description: 'When the event was recorded, ISO-8601 UTC (audit time is not rewritten into the service zone).' })
  timestamp!: string;

  @ApiProperty({ type: UserResponse })
  user!: UserResponse;

  @ApiProperty()
  correlation_id!: string;

  @ApiProperty({ type: String, nullable: true })
  causation_id!: string | null;

  @ApiProperty({ type: 'integer', minimum: 1 })
  schema_version!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event\'s data as stored (older shapes upcast), without the service\'s bookkeeping (the body fingerprint).' })
  data!: Record<string, unknown>;
}
