import { applyDecorators, Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HistoryEntryResponse, ProvisioningRequestResponse, REQUEST_DATA_SCHEMA } from './provisioning-request.response';
import { CommandContext } from '../../../application/command-handling/command-handler';
import { CreateRequestCommand } from '../../../application/request-types/create-request.handler';
import { definitionOf } from '../../../application/request-types/request-types';
import { ListProvisioningRequestsQuery } from '../../../application/queries/list-provisioning-requests.query';
import { HistoryEntry, ProvisioningRequestHistoryQuery } from '../../../application/queries/provisioning-request-history.query';
import { ShowProvisioningRequestQuery } from '../../../application/queries/show-provisioning-request.query';
import { REQUEST_TYPES, RequestType } from '../../../domain/provisioning-request';
import { ApiError, Envelope, ok } from '../api-error';
import { ApiErrors, ApiOkEnvelope } from '../envelope.schema';
import { MAX_IDEMPOTENCY_KEY_LENGTH, callerTextProblem } from '../caller-text';
import { CurrentPrincipal } from '../auth/token.guard';
import { Principal } from '../auth/auth.service';
import { CorrelationId } from '../correlation';
import { ServiceTimeZone } from '../service-time-zone';
import { CreationRequestDto } from './create-pairing.request.dto';
import { CREATE_ROUTES, creationInputOf } from './create-routes';
import { PresentedRequest, parseFieldsSet, parseRequestIdentifier, presentRequest } from './provisioning-request.presenter';
import {
  HistoryQueryDto,
  ListProvisioningRequestsQueryDto,
  ShowProvisioningRequestQueryDto,
} from './provisioning-request.query.dto';


/** Says where the next page of `list` starts (absent on the last page). */
export const NEXT_OFFSET_HEADER = 'X-Next-Offset';

/** What every create route promises in OpenAPI: 200 with the envelope, Idempotency-Key, the same errors. */
function CreateRoute(route: string, answer: string) {
  return applyDecorators(
    Post(route),
    HttpCode(200),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body returns the first result; another body is 409.' }),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    ApiOkEnvelope(REQUEST_DATA_SCHEMA, answer, ProvisioningRequestResponse),
    ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'),
  );
}

@ApiTags('provisioning requests')
@ApiBearerAuth()
@Controller('conax_web_services/provisioning_requests')
export class ProvisioningRequestsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ServiceTimeZone) private readonly zone: ServiceTimeZone,
  ) {}

  /**
   * Every create route (one per request type, generated below from CREATE_ROUTES): the body its type's DTO
   * validated, the common members read the same way for every type, the type's own input from its table entry.
   */
  async create<T extends RequestType>(
    type: T,
    body: CreationRequestDto,
    idempotencyKey: string | undefined,
    principal: Principal,
    correlationId: string,
    response: FastifyReply,
  ): Promise<Envelope<PresentedRequest>> {
    const common = this.creationCommon(body, idempotencyKey, principal, correlationId, response);
    const input = { ...common.input, ...creationInputOf(type, body, this.zone) };
    const view = await this.commands.execute(new CreateRequestCommand<T>(type, input, common.context, common.abandoned));
    return ok(presentRequest(view, this.zone, null));
  }

  /** What every create route reads the same way: the key, the schedule, the priority, who asks. */
  private creationCommon(
    body: { process_immediately?: boolean; scheduled_date?: string; priority?: string },
    idempotencyKey: string | undefined,
    principal: Principal,
    correlationId: string,
    response: FastifyReply,
  ) {
    // Only process_immediately waits long enough for the caller to leave. Before the answer is sent, `close`
    // means the client went away: stop waiting for Conax on its behalf. (After it, `close` is the normal end:
    // aborting then would only build an AbortError for nothing.)
    let abandoned: AbortController | undefined;
    if (body.process_immediately === true) {
      const controller = (abandoned = new AbortController());
      response.raw.once('close', () => {
        if (!response.raw.writableEnded) controller.abort();
      });
    }
    const keyProblem = idempotencyKey === undefined ? null : callerTextProblem(idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH);
    if (keyProblem) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `Idempotency-Key: ${keyProblem}`);
    const context: CommandContext = { user: principal.user, correlationId, causationId: null };
    return {
      input: {
        idempotencyKey: idempotencyKey ?? null,
        organisation: principal.organisation,
      },
      context,
      abandoned: abandoned?.signal,
    };
  }

  @Get('show')
  @ApiOkEnvelope(REQUEST_DATA_SCHEMA, 'The provisioning request (only the fields_set fields when given).', ProvisioningRequestResponse)
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'NOT_FOUND')
  async show(
    @Query() query: ShowProvisioningRequestQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Envelope<PresentedRequest>> {
    const fields = parseFieldsSet(query.fields_set);
    const identifier = parseRequestIdentifier(query.provisioning_request_identifier);
    const view = await this.queries.execute(new ShowProvisioningRequestQuery(identifier, principal.organisation));
    return ok(presentRequest(view, this.zone, fields));
  }

  /**
   * One page, newest number first. Whether there is another page is said in the `X-Next-Offset` header (the
   * offset to ask for next; absent on the last page), so the envelope stays CRM.COM's: one row more than the
   * page is read to know it, no count of the whole list.
   */
  @Get('list')
  @ApiOkEnvelope({ type: 'array', items: REQUEST_DATA_SCHEMA }, 'Provisioning requests, newest number first.', ProvisioningRequestResponse)
  @ApiResponse({
    status: 200,
    headers: { [NEXT_OFFSET_HEADER]: { description: 'The offset of the next page; absent on the last page.', schema: { type: 'integer', minimum: 1 } } },
  })
  @ApiErrors('INVALID_PARAMETER', 'UNAUTHORIZED')
  async list(
    @Query() query: ListProvisioningRequestsQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Envelope<PresentedRequest[]>> {
    const fields = parseFieldsSet(query.fields_set);
    const limit = query.number_of_results ?? 50;
    const offset = query.offset ?? 0;
    const views = await this.queries.execute(
      new ListProvisioningRequestsQuery(
        { organisation: principal.organisation, type: query.type, life_cycle_state: query.life_cycle_state, reference_number: query.reference_number },
        { limit: limit + 1, offset },
      ),
    );
    if (views.length > limit) reply.header(NEXT_OFFSET_HEADER, String(offset + limit));
    return ok(views.slice(0, limit).map((view) => presentRequest(view, this.zone, fields)));
  }

  @Get('history')
  @ApiOkEnvelope([HistoryEntryResponse], 'Every stored event of the request, in order (audit replay).')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'NOT_FOUND')
  async history(@Query() query: HistoryQueryDto, @CurrentPrincipal() principal: Principal): Promise<Envelope<HistoryEntry[]>> {
    const identifier = parseRequestIdentifier(query.provisioning_request_identifier);
    const entries = await this.queries.execute(new ProvisioningRequestHistoryQuery(identifier, principal.organisation));
    return ok(entries);
  }
}

/**
 * Generates one POST method per request type, named after its route (createPairing for create_pairing): the
 * parameters, their DTO type (which the validation pipe and the OpenAPI document read) and the route's
 * decorators are those a hand-written method would carry, so a type in the tables gets its route and its
 * documentation without an edit here.
 */
function addCreateRoutes(controller: typeof ProvisioningRequestsController): void {
  const prototype = controller.prototype as unknown as Record<string, unknown>;
  for (const type of REQUEST_TYPES) {
    const route = definitionOf(type).route;
    const entry = CREATE_ROUTES[type];
    const name = route.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const method = function (this: ProvisioningRequestsController, ...args: [CreationRequestDto, string | undefined, Principal, string, FastifyReply]) {
      return this.create(type, ...args);
    };
    Object.defineProperty(method, 'name', { value: name });
    Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
    Reflect.defineMetadata('design:paramtypes', [entry.body, Object, Object, String, Object], prototype, name);
    Reflect.defineMetadata('design:returntype', Promise, prototype, name);
    Body()(prototype, name, 0);
    Headers('idempotency-key')(prototype, name, 1);
    CurrentPrincipal()(prototype, name, 2);
    CorrelationId()(prototype, name, 3);
    Res({ passthrough: true })(prototype, name, 4);
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name) as PropertyDescriptor;
    applyDecorators(CreateRoute(route, entry.answer), ApiBody({ type: entry.body }))(prototype, name, descriptor);
  }
}
addCreateRoutes(ProvisioningRequestsController);
