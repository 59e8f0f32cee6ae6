import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-error';
import { Role } from '../../config/auth-users';
import { AuthService, Principal } from './auth.service';

const PUBLIC_ROUTE = 'conax:public-route';
/** Marks a route that needs no token (only the login route). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

const REQUIRED_ROLE = 'conax:required-role';
/** Marks a route (or a controller) only users with this role may call: 403 FORBIDDEN for the others (SPEC §2). */
export const RequiresRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

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
  const given = [body && typeof body === 'object' ? body.token : undefined, (request.query as Record<string, unknown> | undefined)?.token];
  // A token that is not a string is a malformed request (400), not a missing token (401).
  if (given.some((token) => token !== undefined && typeof token !== 'string')) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'token: must be a string');
  }
  for (const token of given) if (typeof token === 'string' && token !== '') found.push(token);
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
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    if (role !== undefined && !request.principal.roles.includes(role)) {
      throw new ApiError('FORBIDDEN', `This needs the ${role} role.`, `token: the user has no ${role} role`);
    }
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ApiError('UNAUTHORIZED', 'A token is required.', 'token: missing');
  return principal;
});
