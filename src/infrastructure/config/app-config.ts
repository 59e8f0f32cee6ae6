import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { parseAuthUsers } from '../http/auth/auth.service';

/**
 * Every setting the service reads, from the environment, checked at boot. A wrong value stops the boot
 * with one line per problem naming the variable; nothing is read from the environment anywhere else.
 */
export interface AppConfig {
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  authUsersJson: string | null;
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  tokenTtlSeconds: number;
  maxSetSize: number;
  bodyLimitBytes: number;
  timeZone: string;
  rateLimitPerMinute: number;
  readYourWritesTimeoutMs: number;
  processImmediatelyWaitMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const value = this.env[name];
    return value === undefined || value === '' ? fallback : value;
  }

  optional(name: string): string | null {
    const value = this.env[name];
    return value === undefined || value === '' ? null : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return Number(raw);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!allowed.includes(raw as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}").`);
      return fallback;
    }
    return raw as T;
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const read = new Reader(env);
  const production = env.NODE_ENV === 'production';
  const dataDir = read.string('DATA_DIR', './data');
  const jwtSecret = read.optional('JWT_SECRET');
  if (jwtSecret !== null && jwtSecret.length < 32) read.problems.push('JWT_SECRET must be at least 32 characters.');
  const timeZone = read.string('SERVICE_TIME_ZONE', 'UTC');
  if (!IANAZone.isValidZone(timeZone)) read.problems.push(`SERVICE_TIME_ZONE must be an IANA time zone (got "${timeZone}").`);
  const authUsersJson = read.optional('AUTH_USERS');
  if (authUsersJson !== null) {
    try {
      parseAuthUsers(authUsersJson);
    } catch (error) {
      read.problems.push((error as Error).message);
    }
  }
  if (production && authUsersJson === null) {
    read.problems.push('AUTH_USERS is required when NODE_ENV=production (there are no default users outside development).');
  }
  const config: AppConfig = {
    production,
    port: read.integer('PORT', 3000, 0, 65535),
    host: read.string('HOST', '0.0.0.0'),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    authUsersJson,
    jwtSecret: jwtSecret ?? randomBytes(48).toString('base64url'),
    jwtSecretGenerated: jwtSecret === null,
    tokenTtlSeconds: read.integer('TOKEN_TTL_SECONDS', 7200, 60, 31 * 24 * 3600),
    maxSetSize: read.integer('MAX_SET_SIZE', 100, 1, 10_000),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    timeZone,
    rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
    readYourWritesTimeoutMs: read.integer('READ_YOUR_WRITES_TIMEOUT_MS', 5000, 0, 60_000),
    processImmediatelyWaitMs: read.integer('PROCESS_IMMEDIATELY_WAIT_MS', 10_000, 0, 120_000),
  };
  if (read.problems.length) throw new ConfigError(read.problems);
  return config;
}
