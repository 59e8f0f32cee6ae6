import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { IsDefined, IsIn, IsString, Matches } from 'class-validator';
import { BatchQueries } from '../../../application/batches/batch-queries';
import { BatchReport, MAX_REPORTED_REFUSALS } from '../../../application/batches/batch-report';
import { BatchSubmissions, MAX_BATCH_ITEMS } from '../../../application/batches/batch-submissions';
import { BatchSummary } from '../../../application/ports/batch-store.port';
import { BATCH_PROCESS_NAMES, BATCHABLE_TYPES } from '../../../domain/batch/batch.decider';
import { RequestType } from '../../../domain/provisioning-request';
import { ApiError, Envelope, ok } from '../api-error';
import { Principal } from '../auth/auth.service';
import { CurrentPrincipal } from '../auth/token.guard';
import { callerTextProblem, MAX_IDEMPOTENCY_KEY_LENGTH } from '../caller-text';
import { CorrelationId } from '../correlation';
import { ApiErrors, ApiOkEnvelope, closedObject } from '../envelope.schema';
import { ServiceTimeZone } from '../service-time-zone';
import { MayBeOmitted } from '../validation';
import { BatchBodies, CSV_SET_SEPARATOR } from './batch-bodies';

export const BATCHES_ROUTE = 'conax_web_services/provisioning_requests/batches';

export class SubmitBatchQueryDto {
  @ApiPropertyOptional({ description: 'Token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiProperty({ enum: BATCHABLE_TYPES, description: 'The type of every item: each becomes one request of it.' })
  @IsDefined()
  @IsIn(BATCHABLE_TYPES)
  type: RequestType;
}

const BATCH_IDENTIFIER_PATTERN = /^id=.+$/s;

export class ShowBatchQueryDto {
  @ApiPropertyOptional({ description: 'Token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiProperty({ example: 'id=4F1C0E…', description: '`id=<id>`: the batch id its submission answered.' })
  @IsDefined()
  @IsString()
  @Matches(BATCH_IDENTIFIER_PATTERN, { message: 'expected id=<id>' })
  batch_identifier: string;
}

export class ListBatchesQueryDto {
  @ApiPropertyOptional({ description: 'Token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;
}

const integer: SchemaObject = { type: 'integer', minimum: 0 };
const string: SchemaObject = { type: 'string' };
const state: SchemaObject = { type: 'string', enum: ['RUNNING', 'DONE'], description: 'RUNNING while its requests are being created; DONE once every accepted item is.' };
const type: SchemaObject = { type: 'string', enum: BATCHABLE_TYPES };

const BATCH_SCHEMA = closedObject({
  id: { ...string, description: 'The batch id: every request it creates has it as `process_id`.' },
  type,
  process_name: { type: 'string', enum: [...new Set(Object.values(BATCH_PROCESS_NAMES))], description: "The utility's name its requests carry as `process_name`." },
  total: { ...integer, description: 'Items in the upload.' },
  accepted: { ...integer, description: 'Items valid at submission.' },
  rejected: { ...integer, description: 'Items refused, at submission or when their request was (listed in invalid_items).' },
  created: { ...integer, description: 'Accepted items whose request exists.' },
  state,
  submitted_at: { ...string, description: 'In the service time zone.' },
  completed_at: { type: 'string', nullable: true, description: 'In the service time zone; null while RUNNING.' },
  invalid_items: {
    type: 'array',
    maxItems: MAX_REPORTED_REFUSALS,
    description: `The refused items in line order (the first ${MAX_REPORTED_REFUSALS}; \`rejected\` counts them all).`,
    items: closedObject({
      line: { type: 'integer', minimum: 1, description: 'JSON: the item\'s position (from 1); CSV: its line in the file (the header is line 1).' },
      error: { ...string, description: 'Why, as a route\'s error description words it (`member: why`).' },
    }),
  },
});

const BATCH_SUMMARY_SCHEMA = closedObject({
  id: string,
  type,
  state,
  total: integer,
  accepted: integer,
  rejected: integer,
  created: integer,
  submitted_at: { ...string, description: 'In the service time zone.' },
  updated_at: { ...string, description: 'In the service time zone.' },
});

/**
 * Batches (SPEC §10): an upload of up to 100,000 items of one type, answered at once; the batch runner creates
 * one request per valid item. Only the submitter's organisation sees a batch.
 */
@ApiTags('batches')
@ApiBearerAuth()
@Controller(BATCHES_ROUTE)
export class BatchesController {
  constructor(
    private readonly submissions: BatchSubmissions,
    private readonly queries: BatchQueries,
    private readonly bodies: BatchBodies,
    @Inject(ServiceTimeZone) private readonly zone: ServiceTimeZone,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({
    description:
      `Up to ${MAX_BATCH_ITEMS} items of the query's type. JSON: an array of the type's create bodies (without token). CSV (UTF-8): a header row naming ` +
      `the members (\`priority\`, \`subscription_identifier.number\`; a set's member as \`smartcard_set.smartcard_ca_id\`, its values separated by \`${CSV_SET_SEPARATOR}\` in one cell), then one item per row; an empty cell leaves the member out.`,
    schema: { oneOf: [{ type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS, items: { type: 'object' } }, { type: 'string' }] },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same items answers the same batch (nothing is created twice); other items are 409.' })
  @ApiHeader({ name: 'X-Correlation-Id', required: false })
  @ApiOkEnvelope(BATCH_SCHEMA, 'The batch as submitted: RUNNING (or DONE when no item was valid), its counts and its invalid items.')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'CONFLICT')
  async submit(
    @Query() query: SubmitBatchQueryDto,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<Envelope<BatchReport>> {
    const keyProblem = idempotencyKey === undefined ? null : callerTextProblem(idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH);
    if (keyProblem) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `Idempotency-Key: ${keyProblem}`);
    const items = await this.bodies.read(query.type, body);
    const report = await this.submissions.submit({
      type: query.type,
      items,
      organisation: principal.organisation,
      idempotencyKey: idempotencyKey ?? null,
      context: { user: principal.user, correlationId, causationId: null },
    });
    return ok(this.presented(report));
  }

  @Get('show')
  @ApiOkEnvelope(BATCH_SCHEMA, 'The batch as it stands: its progress and its invalid items.')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'NOT_FOUND')
  async show(@Query() query: ShowBatchQueryDto, @CurrentPrincipal() principal: Principal): Promise<Envelope<BatchReport>> {
    const id = query.batch_identifier.slice('id='.length);
    const problem = callerTextProblem(id);
    if (problem) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `batch_identifier: value ${problem}`);
    const report = await this.queries.show(id, principal.organisation);
    if (!report) throw new ApiError('NOT_FOUND', 'No such batch.', 'batch_identifier: no batch with this id');
    return ok(this.presented(report));
  }

  @Get('list')
  @ApiOkEnvelope({ type: 'array', items: BATCH_SUMMARY_SCHEMA }, "The organisation's batches, newest first (at most 200).")
  @ApiErrors('INVALID_PARAMETER', 'UNAUTHORIZED')
  async list(@Query() _query: ListBatchesQueryDto, @CurrentPrincipal() principal: Principal): Promise<Envelope<Array<Omit<BatchSummary, 'organisation'>>>> {
    const batches = await this.queries.list(principal.organisation);
    return ok(batches.map(({ organisation: _organisation, ...batch }) => ({ ...batch, submitted_at: this.at(batch.submitted_at), updated_at: this.at(batch.updated_at) })));
  }

  private presented(report: BatchReport): BatchReport {
    return { ...report, submitted_at: this.at(report.submitted_at), completed_at: report.completed_at === null ? null : this.at(report.completed_at) };
  }

  private at(instant: string): string {
    return this.zone.format(instant) as string;
  }
}
