import { MayBeOmitted } from '../validation';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { OPERATIONS_CHARTS_SCHEMA, OPERATIONS_STATUS_SCHEMA, OPERATOR_ACTIONS_SCHEMA, PARKED_WORK_SCHEMA, PROVIDER_STATUS_SCHEMA } from './operations.response';
import { ConaxProvider } from '../../../application/operations/conax-provider';
import { PROVIDER_STATES, ProviderState } from '../../../domain/conax-provider/conax-provider.decider';
import { IsDefined, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { OperationsOverview } from '../../../application/operations/operations-overview';
import { ParkedWork } from '../../../application/operations/parked-work';
import { Operator, OperatorActions } from '../../../application/operations/operator-actions';
import { ApiError, ok } from '../api-error';
import { ApiErrors, ApiOkEnvelope } from '../envelope.schema';
import { Principal } from '../auth/auth.service';
import { CurrentPrincipal, RequiresRole } from '../auth/token.guard';
import { IsCallerText } from '../caller-text';
import { CorrelationId } from '../correlation';

export class ParkedWorkActionDto {
  @ApiPropertyOptional({ description: 'Token from authentication/token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiProperty({ enum: ['event', 'message'], description: '`event`: an event a subscriber parked; `message`: a dead letter.' })
  @IsDefined()
  @IsIn(['event', 'message'])
  kind: 'event' | 'message';

  @ApiPropertyOptional({ description: 'kind=event: the subscriber that parked it (request_view, dispatch_saga, integration_events).' })
  @MayBeOmitted()
  @IsCallerText()
  subscriber?: string;

  @ApiPropertyOptional({ description: 'kind=event: the global position of the parked event.' })
  @MayBeOmitted()
  @IsString()
  @Matches(/^\d{1,20}$/, { message: 'position must be a whole number' })
  position?: string;

  @ApiPropertyOptional({ description: 'kind=message: the dead letter id.' })
  @MayBeOmitted()
  @IsCallerText()
  id?: string;
}

export class ProviderSwitchDto {
  @ApiPropertyOptional({ description: 'Token from authentication/token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiProperty({ enum: PROVIDER_STATES, description: 'NOT_EFFECTIVE: nothing is sent to Conax until it is EFFECTIVE again.' })
  @IsDefined()
  @IsIn(PROVIDER_STATES)
  state: ProviderState;

  @ApiProperty({ description: 'Why (recorded in the operator-action log): 1–200 characters.', example: 'Conax maintenance window 02:00–04:00' })
  @IsDefined()
  @IsCallerText(200)
  reason: string;
}

export class ChartsQueryDto {
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiPropertyOptional({ default: 24, minimum: 1, maximum: 168 })
  @MayBeOmitted()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(168)
  hours?: number;
}

export class TokenQueryDto {
  @MayBeOmitted()
  @IsString()
  token?: string;
}

function operatorOf(principal: Principal, correlationId: string): Operator {
  return { user: principal.user, organisation: principal.organisation, correlationId };
}

/**
 * What spans organisations (SPEC §2): only users with the `operations` role, 403 FORBIDDEN for the others.
 * The console and `npm run parked` use these routes too.
 */
@ApiTags('operations')
@ApiBearerAuth()
@RequiresRole('operations')
@Controller('operations')
export class OperationsApiController {
  constructor(
    private readonly overview: OperationsOverview,
    private readonly parkedWork: ParkedWork,
    private readonly actions: OperatorActions,
    private readonly provider: ConaxProvider,
  ) {}

  @Get('provider')
  @ApiOkEnvelope(PROVIDER_STATUS_SCHEMA, 'The Conax provider: EFFECTIVE, or NOT_EFFECTIVE (nothing is sent to Conax) with why and since when.')
  @ApiErrors('UNAUTHORIZED', 'FORBIDDEN')
  async providerStatus(@Query() _query: TokenQueryDto) {
    return ok(await this.provider.status());
  }

  @Post('provider')
  @HttpCode(200)
  @ApiOkEnvelope(PROVIDER_STATUS_SCHEMA, 'Switched (recorded as ConaxProviderSwitched in the operator-action log); switching to the state it is in changes nothing.')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'FORBIDDEN')
  async switchProvider(@Body() body: ProviderSwitchDto, @CurrentPrincipal() principal: Principal, @CorrelationId() correlationId: string) {
    return ok(await this.provider.switch(body.state, body.reason, operatorOf(principal, correlationId)));
  }

  @Get('status')
  @ApiOkEnvelope(OPERATIONS_STATUS_SCHEMA, 'Subscribers (position, lag, parked), the processing run, the bus, parked work and catalogue counts.')
  @ApiErrors('UNAUTHORIZED', 'FORBIDDEN')
  async status(@Query() _query: TokenQueryDto) {
    return ok(await this.overview.status());
  }

  @Get('charts')
  @ApiOkEnvelope(OPERATIONS_CHARTS_SCHEMA, 'Per hour: requests created per state, and dispatch-to-outcome latency (p50, p95).')
  @ApiErrors('INVALID_PARAMETER', 'UNAUTHORIZED', 'FORBIDDEN')
  async charts(@Query() query: ChartsQueryDto) {
    return ok(await this.overview.charts(new Date(), query.hours ?? 24));
  }

  @Get('parked')
  @ApiOkEnvelope(PARKED_WORK_SCHEMA, 'Events parked by subscribers and dead-lettered messages, oldest first.')
  @ApiErrors('UNAUTHORIZED', 'FORBIDDEN')
  async parked(@Query() _query: TokenQueryDto) {
    const { events, messages } = await this.parkedWork.list();
    return ok({
      events: events.map((e) => ({ subscriber: e.subscriber, position: e.position.toString(), stream_id: e.streamId, event_id: e.eventId, type: e.type, reason: e.reason, parked_at: e.parkedAt })),
      messages: messages.map((m) => ({ id: m.id, dlq_topic: m.dlqTopic, source_topic: m.sourceTopic, key: m.key, value: m.value, headers: m.headers, reason: m.reason, parked_at: m.parkedAt })),
    });
  }

  @Get('actions')
  @ApiOkEnvelope(OPERATOR_ACTIONS_SCHEMA, 'The newest operator actions (re-drives and discards), newest first.')
  @ApiErrors('UNAUTHORIZED', 'FORBIDDEN')
  async recentActions(@Query() _query: TokenQueryDto) {
    return ok(await this.actions.recent(100));
  }

  @Post('parked/redrive')
  @HttpCode(200)
  @ApiOkEnvelope(null, 'Handled again (event) or published again to its source topic (message); recorded as ParkedWorkRedriven.')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT')
  async redrive(@Body() body: ParkedWorkActionDto, @CurrentPrincipal() principal: Principal, @CorrelationId() correlationId: string) {
    return this.act('redrive', body, operatorOf(principal, correlationId));
  }

  @Post('parked/discard')
  @HttpCode(200)
  @ApiOkEnvelope(null, 'Let go, never handled; recorded as ParkedWorkDiscarded.')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND')
  async discard(@Body() body: ParkedWorkActionDto, @CurrentPrincipal() principal: Principal, @CorrelationId() correlationId: string) {
    return this.act('discard', body, operatorOf(principal, correlationId));
  }

  private async act(action: 'redrive' | 'discard', body: ParkedWorkActionDto, operator: Operator) {
    if (body.kind === 'event') {
      const { subscriber, position } = eventTarget(body);
      await (action === 'redrive' ? this.parkedWork.redriveEvent(subscriber, position, operator) : this.parkedWork.discardEvent(subscriber, position, operator));
    } else {
      const id = messageTarget(body);
      await (action === 'redrive' ? this.parkedWork.redriveMessage(id, operator) : this.parkedWork.discardMessage(id, operator));
    }
    return ok(null);
  }
}

function eventTarget(body: ParkedWorkActionDto): { subscriber: string; position: bigint } {
  const missing = [body.subscriber === undefined && 'subscriber', body.position === undefined && 'position'].filter(Boolean);
  if (missing.length) throw new ApiError('MISSING_PARAMETER', 'A required parameter is missing.', `${missing.join(', ')}: required for kind=event`);
  return { subscriber: body.subscriber as string, position: BigInt(body.position as string) };
}

function messageTarget(body: ParkedWorkActionDto): string {
  if (body.id === undefined) throw new ApiError('MISSING_PARAMETER', 'A required parameter is missing.', 'id: required for kind=message');
  return body.id;
}
