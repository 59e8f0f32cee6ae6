import { IANAZone } from 'luxon';
import { plainToInstance } from 'class-transformer';
import { IsOptional, ValidateBy, ValidationArguments, validateSync } from 'class-validator';
import { conaxCharset } from '../conax/conax-charset';
import { parseAuthUsers } from './auth-users';

/**
 * Every environment variable the processes read, as the environment gives it (text), with its default and the
 * rule it must meet: one property each, checked by class-validator. The README's settings table is tested
 * against this class (names and defaults); what a variable means is written there, once. A variable without a
 * default here has none (or one computed at boot: the instance id, the development user, a random JWT secret).
 * Rules that span several variables, and the production profile's, are checked after these (app-config.ts).
 */

function rule(name: string, valid: (value: string) => boolean, message: (property: string, value: string) => string): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => value === undefined || (typeof value === 'string' && valid(value)),
      defaultMessage: (args?: ValidationArguments) => message(args!.property, String(args!.value)),
    },
  });
}

/** A whole number in a range. */
const WholeNumber = (min: number, max: number) =>
  rule('wholeNumber', (v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, (p, v) => `${p} must be a whole number from ${min} to ${max} (got "${v}").`);
/** A share from 0 to 1. */
const Rate = () => rule('rate', (v) => /^\d*\.?\d+$/.test(v) && Number(v) >= 0 && Number(v) <= 1, (p, v) => `${p} must be a number from 0 to 1 (got "${v}").`);
const Flag = () => rule('flag', (v) => ['true', 'false', '1', '0'].includes(v), (p, v) => `${p} must be true or false (got "${v}").`);
const OneOf = (allowed: readonly string[]) => rule('oneOf', (v) => allowed.includes(v), (p, v) => `${p} must be one of ${allowed.join(', ')} (got "${v}").`);
/** Free text: any value is taken (the property is still a declared setting). */
const Text = () => rule('text', () => true, () => '');

export const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

export class Environment {
  // Only an exact `production` is production, and any other value is refused, so a typo never lands in the
  // development profile with its default user.
  @IsOptional()
  @rule('nodeEnv', (v) => ['production', 'development', 'test'].includes(v), (_, v) => `NODE_ENV must be production, development or test, or unset (got "${v}").`)
  NODE_ENV?: string;

  @WholeNumber(0, 65535) PORT = '3000';
  @Text() HOST = '0.0.0.0';
  @Text() DATA_DIR = './data';

  @IsOptional()
  @rule('authUsers', (v) => authUsersProblem(v) === '', (_, v) => authUsersProblem(v))
  AUTH_USERS?: string;

  @IsOptional()
  @rule('jwtSecret', (v) => v.length >= 32, () => 'JWT_SECRET must be at least 32 characters.')
  JWT_SECRET?: string;

  @IsOptional()
  @rule('pinKey', (v) => pinEncryptionKeyBytes(v) !== null, () => 'PIN_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32).')
  PIN_ENCRYPTION_KEY?: string;

  @WholeNumber(60, 31 * 24 * 3600) TOKEN_TTL_SECONDS = '7200';
  @WholeNumber(1, 10_000) MAX_SET_SIZE = '100';
  @WholeNumber(1024, 64 * 1024 * 1024) BODY_LIMIT_BYTES = String(256 * 1024);
  @WholeNumber(1024, 512 * 1024 * 1024) BATCH_BODY_LIMIT_BYTES = String(64 * 1024 * 1024);
  @rule('timeZone', (v) => IANAZone.isValidZone(v), (_, v) => `SERVICE_TIME_ZONE must be an IANA time zone (got "${v}").`) SERVICE_TIME_ZONE = 'UTC';
  @WholeNumber(1, 10_000_000) RATE_LIMIT_PER_MINUTE = '6000';
  @WholeNumber(1, 1_000_000) LOGIN_RATE_LIMIT_PER_MINUTE = '10';

  /**
   * Unset or `false` trusts no proxy; otherwise proxy addresses, subnets or range names. Not a hop count: it
   * cannot check the address of the peer that sent the header, so any client could name its own address
   * (Fastify 5.12 treats a number as trusting nothing; the boot refuses it rather than ignore it quietly).
   */
  @rule(
    'trustProxy',
    (v) => v === 'false' || trustedProxies(v) !== null,
    (_, v) =>
      /^\d+$/.test(v)
        ? `TRUST_PROXY must name the proxies (addresses, subnets, loopback/linklocal/uniquelocal), not a hop count (got "${v}").`
        : `TRUST_PROXY must be false or proxy addresses/subnets (got "${v}").`,
  )
  TRUST_PROXY = 'false';

  @WholeNumber(0, 60_000) READ_YOUR_WRITES_TIMEOUT_MS = '5000';
  @WholeNumber(0, 120_000) PROCESS_IMMEDIATELY_WAIT_MS = '10000';
  @WholeNumber(0, 1_000_000) PROCESS_IMMEDIATELY_MAX_WAITERS = '1000';
  @WholeNumber(100, 600_000) SHUTDOWN_TIMEOUT_MS = '10000';
  @OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';

  @OneOf(['sqlite', 'postgres', 'eventstoredb']) EVENT_STORE = 'sqlite';
  @OneOf(['sqlite', 'postgres']) READ_MODEL = 'sqlite';

  @IsOptional()
  @rule('databaseUrl', (v) => /^postgres(ql)?:\/\/\S+$/.test(v), () => 'DATABASE_URL must be a postgres:// URL.')
  DATABASE_URL?: string;

  @rule('sqlIdentifier', (v) => /^[a-z_][a-z0-9_]*$/.test(v), (_, v) => `DATABASE_SCHEMA must be a lower-case SQL identifier (got "${v}").`) DATABASE_SCHEMA = 'public';

  @IsOptional()
  @rule('eventStoreDbUrl', (v) => /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/\S+$/.test(v), () => 'EVENTSTOREDB_URL must be an esdb:// connection string.')
  EVENTSTOREDB_URL?: string;

  @WholeNumber(300, 600_000) SUBSCRIBER_LEASE_TTL_MS = '15000';
  @IsOptional() @Text() INSTANCE_ID?: string;

  @OneOf(['memory', 'kafka']) BUS = 'memory';
  @IsOptional() @Text() KAFKA_BROKERS?: string;
  @Text() KAFKA_CLIENT_ID = 'conax-provisioning';
  @WholeNumber(1, 1000) KAFKA_PARTITIONS = '3';
  @WholeNumber(1, 10) KAFKA_REPLICATION_FACTOR = '1';
  @Text() DISPATCH_TOPIC = 'conax.provisioning-requests.dispatch.v1';
  @Text() OUTCOME_TOPIC = 'conax.provisioning-requests.outcomes.v1';
  @Text() EVENTS_TOPIC = 'conax.provisioning-requests.events.v1';
  @WholeNumber(0, 10_000) EVENTS_COMMIT_INTERVAL_MS = '100';
  @Text() CATALOGUE_SERVICES_TOPIC = 'conax.catalogue.services.v1';
  @Text() CATALOGUE_SMARTCARDS_TOPIC = 'conax.catalogue.smartcards.v1';
  @Text() COMMANDS_TOPIC = 'conax.provisioning-requests.commands.v1';
  @Text() COMMAND_REPLIES_TOPIC = 'conax.provisioning-requests.command-replies.v1';
  /** Comma-separated; unset: no organisation takes commands over Kafka. */
  @IsOptional() @Text() COMMAND_ORGANISATIONS?: string;
  @WholeNumber(1, 100) BUS_MAX_ATTEMPTS = '5';
  @WholeNumber(1, 60_000) BUS_RETRY_INITIAL_MS = '200';
  @WholeNumber(1, 600_000) BUS_RETRY_MAX_MS = '5000';

  @WholeNumber(50, 3_600_000) PROCESSING_RUN_INTERVAL_MS = '5000';
  @WholeNumber(1, 100_000) PROCESSING_RUN_BATCH = '500';
  @WholeNumber(100, 86_400_000) OUTCOME_TIMEOUT_MS = '60000';
  @WholeNumber(1, 100) MAX_DISPATCH_ATTEMPTS = '3';

  @Flag() RUN_CONNECTOR = 'true';

  @IsOptional()
  @rule('conaxUrl', (v) => /^https?:\/\/\S+$/.test(v), (_, v) => `CONAX_URL must be an http(s) URL (got "${v}").`)
  CONAX_URL?: string;

  @Text() CONAX_USERNAME = 'conax';
  @Text() CONAX_PASSWORD = 'conax';
  @rule('charset', (v) => conaxCharset(v) !== null, (_, v) => `CONAX_ENCODING must be UTF-8 or ISO-8859-1 (got "${v}").`) CONAX_ENCODING = 'UTF-8';
  @WholeNumber(10, 600_000) CONAX_CALL_TIMEOUT_MS = '5000';
  @WholeNumber(1, 256) CONAX_MAX_IN_FLIGHT = '4';
  @WholeNumber(0, 100) CONAX_MAX_RETRIES = '5';
  @WholeNumber(1, 60_000) CONAX_RETRY_INITIAL_MS = '200';
  @WholeNumber(1, 600_000) CONAX_RETRY_MAX_MS = '5000';

  @WholeNumber(0, 65535) CONAX_SIMULATOR_PORT = '0';
  @Text() CONAX_SIMULATOR_HOST = '127.0.0.1';
  @WholeNumber(0, 600_000) CONAX_SIMULATOR_LATENCY_MS = '0';
  @Rate() CONAX_SIMULATOR_FAILURE_RATE = '0';
  @WholeNumber(1, 86_400_000) CONAX_SIMULATOR_SESSION_TTL_MS = '300000';
  @WholeNumber(1, 10_000_000) CONAX_SIMULATOR_CALL_LOG_SIZE = '10000';
}

/** Why AUTH_USERS cannot be read ('' when it can). */
function authUsersProblem(json: string): string {
  try {
    parseAuthUsers(json);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/** TRUST_PROXY as a list of proxy addresses, subnets or range names; null when it is not one. */
export function trustedProxies(raw: string): string[] | null {
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  // An address has a dot or a colon: a bare number is not one (it would read as a hop count).
  if (entries.length === 0 || entries.some((e) => !TRUST_PROXY_NAMES.includes(e) && !/^(?=[^/]*[.:])[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e))) return null;
  return entries;
}

/**
 * The environment as the class reads it: an unset or empty variable takes its default; the problems, one line
 * each naming the variable, in the class's order.
 */
export function readEnvironment(env: Record<string, string | undefined>): { environment: Environment; problems: string[] } {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const environment = plainToInstance(Environment, given, { exposeDefaultValues: true });
  const problems = validateSync(environment, { forbidUnknownValues: false }).flatMap((error) => Object.values(error.constraints ?? {}));
  return { environment, problems };
}

/** PIN_ENCRYPTION_KEY's 32 bytes, or null when it is not 32 bytes of base64. */
export function pinEncryptionKeyBytes(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === 32 ? bytes : null;
}
