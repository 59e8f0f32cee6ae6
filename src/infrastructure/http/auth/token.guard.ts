import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-error';
import { AuthService, Principal } from './auth.service';

const PUBLIC_ROUTE = 'conax:public-route';
/** Marks a route that needs no token (only the login route). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * SPEC §1–2: the token comes as `Authorization: Bearer`, a body member, or a query parameter. Where it comes
 * in more than one place the copies must agree: otherwise which one counts (and which token a release
 * releases) would be a guess.
 */
export function tokenOf(request: FastifyRequest): string | null {
  const found: string[] = [];
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s+\S+$/i.test(header.trim())) found.push(header.trim().split(/\s+/)[1]);
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && typeof body.token === 'string' && body.token !== '') found.push(body.token);
  const query = request.query as Record<string, unknown>;
  if (typeof query?.token === 'string' && query.token !== '') found.push(query.token);
  if (new Set(found).size > 1) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'token: the Authorization header, body and query name different tokens');
  }
  return found[0] ?? null;
}

@Injectable()
export class TokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = tokenOf(request);
    if (token === null) throw new ApiError('UNAUTHORIZED', 'A token is required.', 'token: missing');
    request.principal = await this.auth.verify(token);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ApiError('UNAUTHORIZED', 'A token is required.', 'token: missing');
  return principal;
});
