import { KeyObject, createHash, createSecretKey, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { derivedId } from '../../../application/ports/id-generator.port';
import { TOKEN_REVOCATIONS, TokenRevocations } from './token-revocations';
import { UserRef } from '../../../application/ports/event-store.port';
import { AppConfig, ServiceConfiguration } from '../../config/app-config';
import { DEVELOPMENT_USER, ConfiguredUser, parseAuthUsers, Role, ROLES } from '../../config/auth-users';
import { ConfigService } from '@nestjs/config';
import { ApiError } from '../api-error';
import { settleWithin } from '../../../application/settle-within';

/** How long a request waits for the released-token lookup before it is answered 503. */
const TOKEN_CHECK_TIMEOUT_MS = 2_000;
import { hashPassword, isPasswordHash, verifyPassword } from './password-hash';

export interface Principal {
  user: UserRef;
  organisation: string;
  unit: string | null;
  tokenId: string;
  expiresAt: Date;
  /** Carried in the token; a token from before roles existed has none. */
  roles: Role[];
}

interface TokenClaims {
  sub: string;
  username: string;
  organisation: string;
  unit: string | null;
  person_name: string | null;
  email: string | null;
  roles?: unknown;
  jti: string;
  exp: number;
}

const ISSUER = 'conax-provisioning';
/** Verified tokens remembered (a client sends the same token with every request); the oldest go first. */
const VERIFIED_TOKENS_KEPT = 10_000;
function equalSecrets(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** SPEC §2: users from configuration, HS256 JWTs through jsonwebtoken, released tokens remembered in SQL. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly users: ConfiguredUser[];
  /** Made once: jsonwebtoken would otherwise turn the secret into a key on every verification. */
  private readonly key: KeyObject;
  /** A hash of nothing anyone knows, verified for unknown users. */
  private readonly decoyHash = hashPassword(randomUUID());
  /**
   * Tokens whose signature and claims were verified, by their exact text: the same bytes verify the same way,
   * so only expiry and release are checked again (checking the HMAC and parsing the claims again was a tenth
   * of the CPU of a request at the HTTP edge; see BENCHMARKS.md).
   */
  private readonly verified = new Map<string, Principal>();
  private readonly tokenTtlSeconds: number;

  constructor(
    configuration: ConfigService<ServiceConfiguration, true>,
    @Inject(TOKEN_REVOCATIONS) private readonly revocations: TokenRevocations,
  ) {
    const config = configuration.get('app', { infer: true });
    this.tokenTtlSeconds = config.tokenTtlSeconds;
    if (config.authUsersJson) {
      this.users = parseAuthUsers(config.authUsersJson);
    } else {
      // loadConfig refuses production without AUTH_USERS: this is the development profile only.
      this.users = parseAuthUsers(JSON.stringify([DEVELOPMENT_USER]));
      this.logger.warn(
        `AUTH_USERS is not set: development user "${DEVELOPMENT_USER.username}" / "${DEVELOPMENT_USER.password}" ` +
          `of organisation "${DEVELOPMENT_USER.organisation}" is enabled. Never run like this in production.`,
      );
    }
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    if (config.jwtSecretGenerated) {
      this.logger.warn('JWT_SECRET is not set: a random secret was made, so tokens die with this process.');
    }
  }

  async issueToken(username: string, password: string, organisation: string, unit: string | null): Promise<string> {
    const found = this.users.find((u) => u.user.username === username && u.organisation === organisation);
    // An unknown user costs the same scrypt as a known one, so the answer's timing does not tell which users exist.
    const matches = found
      ? found.passwordHash
        ? await verifyPassword(password, found.passwordHash)
        : equalSecrets(password, found.password ?? '')
      : await verifyPassword(password, await this.decoyHash).then(() => false);
    if (!found || !matches) throw new ApiError('UNAUTHORIZED', 'The credentials are not valid.', 'username, password, organisation');
    const claims = {
      username: found.user.username,
      organisation: found.organisation,
      unit,
      person_name: found.user.person_name,
      email: found.user.email,
      roles: found.roles,
    };
    return jwt.sign(claims, this.key, {
      algorithm: 'HS256',
      expiresIn: this.tokenTtlSeconds,
      subject: found.user.id,
      jwtid: randomUUID(),
      issuer: ISSUER,
    });
  }

  async verify(token: string): Promise<Principal> {
    let principal = this.verified.get(token);
    if (principal === undefined) {
      principal = this.verifySignedClaims(token);
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, principal);
    } else if (Date.now() >= principal.expiresAt.getTime()) {
      this.verified.delete(token);
      throw new ApiError('UNAUTHORIZED', 'The token has expired.', 'token');
    }
    // Fails closed and bounded: a database that does not answer is a 503, never a token taken on trust or a hang.
    const revoked = await settleWithin(this.revocations.isRevoked(principal.tokenId), TOKEN_CHECK_TIMEOUT_MS).catch(() => {
      throw new ApiError('UNAVAILABLE', 'The token cannot be checked right now; retry later.', 'token: the released-token list did not answer');
    });
    if (revoked) {
      throw new ApiError('UNAUTHORIZED', 'The token has been released.', 'token');
    }
    return principal;
  }

  private verifySignedClaims(token: string): Principal {
    let claims: TokenClaims;
    try {
      claims = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER }) as TokenClaims;
    } catch (error) {
      const reason = error instanceof jwt.TokenExpiredError ? 'The token has expired.' : 'The token is not valid.';
      throw new ApiError('UNAUTHORIZED', reason, 'token');
    }
    if (typeof claims.jti !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') {
      throw new ApiError('UNAUTHORIZED', 'The token is not valid.', 'token');
    }
    // Shared by every request that carries this token: frozen, so no request can change another's.
    return Object.freeze({
      user: Object.freeze({
        id: claims.sub,
        username: claims.username,
        person_name: claims.person_name,
        email: claims.email,
        organisation: claims.organisation,
      }),
      organisation: claims.organisation,
      unit: claims.unit,
      tokenId: claims.jti,
      expiresAt: new Date(claims.exp * 1000),
      roles: Object.freeze(Array.isArray(claims.roles) ? (claims.roles.filter((role) => ROLES.includes(role as Role)) as Role[]) : []) as Role[],
    });
  }

  async release(principal: Principal): Promise<void> {
    await this.revocations.revoke(principal.tokenId, principal.expiresAt);
  }
}
