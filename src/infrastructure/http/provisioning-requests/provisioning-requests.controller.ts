import { applyDecorators, Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreatePairingCommand } from '../../../application/request-types/create-pairing/create-pairing.command';
import { ListProvisioningRequestsQuery } from '../../../application/queries/list-provisioning-requests.query';
import { HistoryEntry, ProvisioningRequestHistoryQuery } from '../../../application/queries/provisioning-request-history.query';
import { ShowProvisioningRequestQuery } from '../../../application/queries/show-provisioning-request.query';
import { Priority, SubscriptionIdentifier } from '../../../domain/provisioning-request';
import { ApiError, Envelope, ok } from '../api-error';
import { ApiErrors } from '../api-docs';
import { MAX_IDEMPOTENCY_KEY_LENGTH, callerTextProblem } from '../caller-text';
import { CurrentPrincipal } from '../auth/token.guard';
import { Principal } from '../auth/auth.service';
import { CorrelationId } from '../correlation';
import { ServiceTimeZone } from '../service-time-zone';
import { CreatePairingRequestDto, SubscriptionIdentifierDto } from './create-pairing.request.dto';
import { SubscriptionChangeRequestDto } from './subscription-change.request.dto';
import {
  AddSubscriptionsCommand,
  CancelSubscriptionsCommand,
  SubscriptionChangeInput,
} from '../../../application/request-types/subscription-change/subscription-change.command';
import { CommandContext } from '../../../application/provisioning-request-streams';
import { PresentedRequest, parseFieldsSet, parseRequestIdentifier, presentRequest } from './provisioning-request.presenter';
import {
  HistoryQueryDto,
  ListProvisioningRequestsQueryDto,
  ShowProvisioningRequestQueryDto,
} from './provisioning-request.query.dto';


/**
 * An identifier object with exactly one of `keys` set (SPEC §1): none, both or a null key is INVALID_PARAMETER
 * naming the field.
 */
function exactlyOne<K extends string>(dto: object, field: string, keys: readonly K[]): { [P in K]: Record<P, string> }[K] {
  const given = keys.filter((key) => (dto as Record<string, unknown>)[key] !== undefined);
  if (given.some((key) => (dto as Record<string, unknown>)[key] === null)) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `${field}: a key must not be null`);
  }
  if (given.length !== 1) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `${field}: give exactly one of ${keys.join(', ')}`);
  }
  return { [given[0]]: (dto as Record<string, string>)[given[0]] } as { [P in K]: Record<P, string> }[K];
}

function subscriptionOf(dto: SubscriptionIdentifierDto | undefined): SubscriptionIdentifier | null {
  return dto === undefined ? null : exactlyOne(dto, 'subscription_identifier', ['id', 'number']);
}

/** What every create route promises in OpenAPI: 200 with the envelope, Idempotency-Key, the same errors. */
function CreateRoute(route: string, answer: string) {
  return applyDecorators(
    Post(route),
    HttpCode(200),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body returns the first result; another body is 409.' }),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    ApiOkResponse({ description: answer }),
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

  @CreateRoute('create_pairing', 'Envelope with the created provisioning request (life_cycle_state PENDING, or final when process_immediately).')
  async createPairing(
    @Body() body: CreatePairingRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Envelope<PresentedRequest>> {
    const common = this.creationCommon(body, idempotencyKey, principal, correlationId, response);
    const view = await this.commands.execute(
      new CreatePairingCommand(
        {
          ...common.input,
          subscription: subscriptionOf(body.subscription_identifier),
          smartcardCaIds: body.smartcard_set.map((s) => s.smartcard_ca_id),
          stbCaIds: body.stb_set.map((s) => s.stb_ca_id),
        },
        common.context,
        common.abandoned,
      ),
    );
    return ok(presentRequest(view, this.zone, null));
  }

  @CreateRoute('add_subscriptions', 'Envelope with the created ADD_SUBSCRIPTIONS request (PENDING, or final when process_immediately).')
  async addSubscriptions(
    @Body() body: SubscriptionChangeRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Envelope<PresentedRequest>> {
    return this.changeSubscription(AddSubscriptionsCommand, body, idempotencyKey, principal, correlationId, response);
  }

  @CreateRoute('cancel_subscriptions', 'Envelope with the created CANCEL_SUBSCRIPTIONS request (PENDING, or final when process_immediately).')
  async cancelSubscriptions(
    @Body() body: SubscriptionChangeRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Envelope<PresentedRequest>> {
    return this.changeSubscription(CancelSubscriptionsCommand, body, idempotencyKey, principal, correlationId, response);
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
    let scheduledDate: Date | null = null;
    if (body.scheduled_date !== undefined) {
      scheduledDate = this.zone.parse(body.scheduled_date);
      if (scheduledDate === null) {
        throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'scheduled_date: not a real date and time');
      }
    }
    const context: CommandContext = { user: principal.user, correlationId, causationId: null };
    return {
      input: {
        processImmediately: body.process_immediately ?? false,
        scheduledDate,
        priority: (body.priority ?? 'REGULAR') as Priority,
        idempotencyKey: idempotencyKey ?? null,
        organisation: principal.organisation,
      },
      context,
      abandoned: abandoned?.signal,
    };
  }

  /** add_subscriptions and cancel_subscriptions read the same body and differ only in the command. */
  private async changeSubscription(
    Kind: typeof AddSubscriptionsCommand | typeof CancelSubscriptionsCommand,
    body: SubscriptionChangeRequestDto,
    idempotencyKey: string | undefined,
    principal: Principal,
    correlationId: string,
    response: FastifyReply,
  ): Promise<Envelope<PresentedRequest>> {
    const common = this.creationCommon(body, idempotencyKey, principal, correlationId, response);
    const input: SubscriptionChangeInput = {
      ...common.input,
      subscription: exactlyOne(body.subscription_identifier, 'subscription_identifier', ['id', 'number']),
      service: exactlyOne(body.service_identifier, 'service_identifier', ['id', 'code', 'alternative_code']),
      smartcard: exactlyOne(body.smartcard_identifier, 'smartcard_identifier', ['id', 'serial_number', 'alternative_code']),
      startDate: this.startDayOf(body.start_date),
    };
    const view = await this.commands.execute(new Kind(input, common.context, common.abandoned));
    return ok(presentRequest(view, this.zone, null));
  }

  /** A day as given, or the day of a date and time (or of now) in the service time zone. */
  private startDayOf(text: string | undefined): string {
    if (text !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
    const instant = text === undefined ? new Date() : this.zone.parse(text);
    if (instant === null) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'start_date: not a real date and time');
    return (this.zone.format(instant.toISOString()) as string).slice(0, 10);
  }

  @Get('show')
  @ApiOkResponse({ description: 'Envelope with the provisioning request (only the fields_set fields when given).' })
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

  @Get('list')
  @ApiOkResponse({ description: 'Envelope whose data is an array of provisioning requests, newest number first.' })
  @ApiErrors('INVALID_PARAMETER', 'UNAUTHORIZED')
  async list(
    @Query() query: ListProvisioningRequestsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Envelope<PresentedRequest[]>> {
    const fields = parseFieldsSet(query.fields_set);
    const views = await this.queries.execute(
      new ListProvisioningRequestsQuery(
        { organisation: principal.organisation, type: query.type, life_cycle_state: query.life_cycle_state, reference_number: query.reference_number },
        { limit: query.number_of_results ?? 50, offset: query.offset ?? 0 },
      ),
    );
    return ok(views.map((view) => presentRequest(view, this.zone, fields)));
  }

  @Get('history')
  @ApiOkResponse({ description: 'Envelope whose data is every stored event of the request, in order (audit replay).' })
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'NOT_FOUND')
  async history(@Query() query: HistoryQueryDto, @CurrentPrincipal() principal: Principal): Promise<Envelope<HistoryEntry[]>> {
    const identifier = parseRequestIdentifier(query.provisioning_request_identifier);
    const entries = await this.queries.execute(new ProvisioningRequestHistoryQuery(identifier, principal.organisation));
    return ok(entries.map((entry) => ({ ...entry, timestamp: this.zone.format(entry.timestamp) as string })));
  }
}
