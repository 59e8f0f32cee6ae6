import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreatePairingCommand } from '../../../application/commands/create-pairing.command';
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
import { PresentedRequest, parseFieldsSet, parseRequestIdentifier, presentRequest } from './provisioning-request.presenter';
import {
  HistoryQueryDto,
  ListProvisioningRequestsQueryDto,
  ShowProvisioningRequestQueryDto,
} from './provisioning-request.query.dto';


function subscriptionOf(dto: SubscriptionIdentifierDto | undefined): SubscriptionIdentifier | null {
  if (dto === undefined) return null;
  if (dto.id === null || dto.number === null) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'subscription_identifier: a key must not be null');
  }
  const keys = [dto.id, dto.number].filter((value) => value !== undefined);
  if (keys.length !== 1) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'subscription_identifier: give exactly one of id, number');
  }
  return dto.id !== undefined ? { id: dto.id } : { number: dto.number as string };
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

  @Post('create_pairing')
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body returns the first result; another body is 409.' })
  @ApiHeader({ name: 'X-Correlation-Id', required: false })
  @ApiOkResponse({ description: 'Envelope with the created provisioning request (life_cycle_state PENDING, or final when process_immediately).' })
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE')
  async createPairing(
    @Body() body: CreatePairingRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Envelope<PresentedRequest>> {
    // Before the answer is sent, `close` means the client went away: stop waiting for Conax on its behalf.
    const abandoned = new AbortController();
    response.raw.once('close', () => abandoned.abort());
    const keyProblem = idempotencyKey === undefined ? null : callerTextProblem(idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH);
    if (keyProblem) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `Idempotency-Key: ${keyProblem}`);
    let scheduledDate: Date | null = null;
    if (body.scheduled_date !== undefined) {
      scheduledDate = this.zone.parse(body.scheduled_date);
      if (scheduledDate === null) {
        throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'scheduled_date: not a real date and time');
      }
    }
    const view = await this.commands.execute(
      new CreatePairingCommand(
        {
          subscription: subscriptionOf(body.subscription_identifier),
          processImmediately: body.process_immediately ?? false,
          scheduledDate,
          priority: (body.priority ?? 'REGULAR') as Priority,
          smartcardCaIds: body.smartcard_set.map((s) => s.smartcard_ca_id),
          stbCaIds: body.stb_set.map((s) => s.stb_ca_id),
          idempotencyKey: idempotencyKey ?? null,
          organisation: principal.organisation,
        },
        { user: principal.user, correlationId, causationId: null },
        abandoned.signal,
      ),
    );
    return ok(presentRequest(view, this.zone, null));
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
