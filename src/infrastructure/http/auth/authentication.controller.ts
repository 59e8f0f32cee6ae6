import { MayBeOmitted } from '../validation';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { SECURITY } from '../api-document';
import { IsDefined, IsString, Length } from 'class-validator';
import { Envelope, ok } from '../api-error';
import { ApiErrors, ApiOkEnvelope } from '../envelope.schema';
import { AuthService, Principal } from './auth.service';
import { CurrentPrincipal, PublicRoute } from './token.guard';

export class TokenRequestDto {
  @ApiProperty() @IsDefined() @IsString() @Length(1, 128) username: string;
  @ApiProperty() @IsDefined() @IsString() @Length(1, 1024) password: string;
  @ApiProperty() @IsDefined() @IsString() @Length(1, 128) organisation: string;
  @ApiPropertyOptional() @MayBeOmitted() @IsString() @Length(1, 128) unit?: string;
}

export class ReleaseTokenRequestDto {
  @ApiPropertyOptional({ description: 'The token to release (or send it as Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;
}

export class TokenResponse {
  @ApiProperty({ description: 'A signed JWT valid for TOKEN_TTL_SECONDS (default 2 hours).' })
  token!: string;
}

/** The login throttle's key: one bucket per organisation and username (case-folded). */
export function loginTrackerOf(body: unknown): string {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : '');
  return `login\u0000${text(b.organisation)}\u0000${text(b.username).toLowerCase()}`;
}

@ApiTags('authentication')
@Controller('authentication/token')
export class AuthenticationController {
  constructor(private readonly auth: AuthService) {}

  @Post()
  @PublicRoute()
  @HttpCode(200)
  @ApiOkEnvelope(TokenResponse, 'data.token: a JWT valid for TOKEN_TTL_SECONDS (default 2 hours).')
  @ApiErrors('MISSING_PARAMETER', 'INVALID_PARAMETER', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  async issue(@Body() body: TokenRequestDto): Promise<Envelope<{ token: string }>> {
    const token = await this.auth.issueToken(body.username, body.password, body.organisation, body.unit ?? null);
    return ok({ token });
  }

  @Post('release')
  @HttpCode(200)
  @ApiBearerAuth(SECURITY.bearer)
  @ApiBody({ type: ReleaseTokenRequestDto, required: false, description: 'Optional: the token may come as Authorization: Bearer or ?token= instead.' })
  @ApiOkEnvelope(null, 'data is null: the token is no longer accepted.')
  @ApiErrors('INVALID_PARAMETER', 'UNAUTHORIZED')
  async release(@Body() _body: ReleaseTokenRequestDto, @CurrentPrincipal() principal: Principal): Promise<Envelope<null>> {
    await this.auth.release(principal);
    return ok(null);
  }
}
