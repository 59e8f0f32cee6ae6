import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { conaxCharset, firstUnencodable } from '../conax/conax-charset';
import { parseAuthUsers } from './auth-users';

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
  loginRateLimitPerMinute: number;
  /** Express `trust proxy`: false, a hop count, or addresses/subnets of the proxies in front. */
  trustProxy: boolean | number | string[];
  readYourWritesTimeoutMs: number;
  processImmediatelyWaitMs: number;
  /** How long a shutdown may take, whatever is down; the process exits when it is over. */
  shutdownTimeoutMs: number;
  processImmediatelyMaxWaiters: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  instanceId: string;
  subscriberLeaseTtlMs: number;
  eventsCommitIntervalMs: number;
  eventStore: 'sqlite' | 'postgres' | 'eventstoredb';
  readModel: 'sqlite' | 'postgres';
  databaseUrl: string | null;
  databaseSchema: string;
  eventStoreDbUrl: string | null;
  bus: 'memory' | 'kafka';
  kafka: { brokers: string[]; clientId: string; partitions: number; replicationFactor: number };
  topics: { dispatch: string; outcomes: string; events: string; catalogueServices: string; catalogueSmartcards: string };
  busRetry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  processingRunIntervalMs: number;
  processingRunBatch: number;
  outcomeTimeoutMs: number;
  maxDispatchAttempts: number;
  /** Run the Conax connector inside this process (the embedded default). */
  runConnector: boolean;
  conax: {
    /** null: start the bundled simulator in this process and use it. */
    url: string | null;
    username: string;
    password: string;
    encoding: string;
    callTimeoutMs: number;
    /** Sends the connector calls Conax for at once (two that share a smartcard never overlap). */
    maxInFlight: number;
    retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  };
  simulator: { port: number; host: string; latencyMs: number; transientFailureRate: number; sessionTtlMs: number; callLogSize: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Which process reads the configuration: what production demands depends on it (the connector needs Conax
 * but no users; the service needs users and stores; the simulator is a test double and needs nothing).
 */
export type ConfigRole = 'service' | 'connector' | 'read-model' | 'simulator';

const NODE_ENVS = ['production', 'development', 'test'] as const;

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

  rate(name: string, fallback: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d*\.?\d+$/.test(raw) || value < 0 || value > 1) {
      this.problems.push(`${name} must be a number from 0 to 1 (got "${raw}").`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name} must be true or false (got "${raw}").`);
    return fallback;
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

export function loadConfig(env: Env = process.env, role: ConfigRole = 'service'): AppConfig {
  const read = new Reader(env);
  // Only an exact `production` is production, and any other value is refused, so a typo never lands in
  // the development profile with its default user.
  if (env.NODE_ENV !== undefined && env.NODE_ENV !== '' && !(NODE_ENVS as readonly string[]).includes(env.NODE_ENV)) {
    read.problems.push(`NODE_ENV must be production, development or test, or unset (got "${env.NODE_ENV}").`);
  }
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
  const eventStore = read.oneOf('EVENT_STORE', 'sqlite', ['sqlite', 'postgres', 'eventstoredb'] as const);
  const readModel = read.oneOf('READ_MODEL', 'sqlite', ['sqlite', 'postgres'] as const);
  const databaseUrl = read.optional('DATABASE_URL');
  if ((eventStore === 'postgres' || readModel === 'postgres') && !databaseUrl) {
    read.problems.push('DATABASE_URL is required when EVENT_STORE or READ_MODEL is postgres (postgres://user@host:5432/db).');
  }
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl)) {
    read.problems.push('DATABASE_URL must be a postgres:// URL.');
  }
  const databaseSchema = read.string('DATABASE_SCHEMA', 'public');
  if (!/^[a-z_][a-z0-9_]*$/.test(databaseSchema)) read.problems.push(`DATABASE_SCHEMA must be a lower-case SQL identifier (got "${databaseSchema}").`);
  const eventStoreDbUrl = read.optional('EVENTSTOREDB_URL');
  if (eventStore === 'eventstoredb' && !eventStoreDbUrl) {
    read.problems.push('EVENTSTOREDB_URL is required when EVENT_STORE=eventstoredb (esdb://host:2113?tls=false).');
  }
  if (eventStoreDbUrl !== null && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/\S+$/.test(eventStoreDbUrl)) {
    read.problems.push('EVENTSTOREDB_URL must be an esdb:// connection string.');
  }
  const bus = read.oneOf('BUS', 'memory', ['memory', 'kafka'] as const);
  const brokers = (read.optional('KAFKA_BROKERS') ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (bus === 'kafka' && brokers.length === 0) read.problems.push('KAFKA_BROKERS is required when BUS=kafka (host:port,…).');
  const conaxUrl = read.optional('CONAX_URL');
  if (conaxUrl !== null && !/^https?:\/\/\S+$/.test(conaxUrl)) read.problems.push(`CONAX_URL must be an http(s) URL (got "${conaxUrl}").`);
  const encoding = read.string('CONAX_ENCODING', 'UTF-8');
  const charset = conaxCharset(encoding);
  if (!charset) read.problems.push(`CONAX_ENCODING must be UTF-8 or ISO-8859-1 (got "${encoding}").`);
  for (const name of ['CONAX_USERNAME', 'CONAX_PASSWORD']) {
    const value = env[name];
    if (charset && value && firstUnencodable(value, charset) !== null) read.problems.push(`${name} cannot be written in ${charset} (CONAX_ENCODING).`);
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
    loginRateLimitPerMinute: read.integer('LOGIN_RATE_LIMIT_PER_MINUTE', 10, 1, 1_000_000),
    trustProxy: trustProxyOf(read.optional('TRUST_PROXY'), read.problems),
    readYourWritesTimeoutMs: read.integer('READ_YOUR_WRITES_TIMEOUT_MS', 5000, 0, 60_000),
    processImmediatelyWaitMs: read.integer('PROCESS_IMMEDIATELY_WAIT_MS', 10_000, 0, 120_000),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    processImmediatelyMaxWaiters: read.integer('PROCESS_IMMEDIATELY_MAX_WAITERS', 1_000, 0, 1_000_000),
    instanceId: read.string('INSTANCE_ID', defaultInstanceId(eventStore, readModel, dataDir)),
    logLevel: read.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    subscriberLeaseTtlMs: read.integer('SUBSCRIBER_LEASE_TTL_MS', 15_000, 300, 600_000),
    eventsCommitIntervalMs: read.integer('EVENTS_COMMIT_INTERVAL_MS', 100, 0, 10_000),
    eventStore,
    readModel,
    databaseUrl,
    databaseSchema,
    eventStoreDbUrl,
    bus,
    kafka: {
      brokers,
      clientId: read.string('KAFKA_CLIENT_ID', 'conax-provisioning'),
      partitions: read.integer('KAFKA_PARTITIONS', 3, 1, 1000),
      replicationFactor: read.integer('KAFKA_REPLICATION_FACTOR', 1, 1, 10),
    },
    topics: {
      dispatch: read.string('DISPATCH_TOPIC', 'conax.provisioning-requests.dispatch.v1'),
      outcomes: read.string('OUTCOME_TOPIC', 'conax.provisioning-requests.outcomes.v1'),
      events: read.string('EVENTS_TOPIC', 'conax.provisioning-requests.events.v1'),
      catalogueServices: read.string('CATALOGUE_SERVICES_TOPIC', 'conax.catalogue.services.v1'),
      catalogueSmartcards: read.string('CATALOGUE_SMARTCARDS_TOPIC', 'conax.catalogue.smartcards.v1'),
    },
    busRetry: {
      maxAttempts: read.integer('BUS_MAX_ATTEMPTS', 5, 1, 100),
      initialDelayMs: read.integer('BUS_RETRY_INITIAL_MS', 200, 1, 60_000),
      maxDelayMs: read.integer('BUS_RETRY_MAX_MS', 5_000, 1, 600_000),
    },
    processingRunIntervalMs: read.integer('PROCESSING_RUN_INTERVAL_MS', 5_000, 50, 3_600_000),
    processingRunBatch: read.integer('PROCESSING_RUN_BATCH', 500, 1, 100_000),
    outcomeTimeoutMs: read.integer('OUTCOME_TIMEOUT_MS', 60_000, 100, 86_400_000),
    maxDispatchAttempts: read.integer('MAX_DISPATCH_ATTEMPTS', 3, 1, 100),
    runConnector: read.boolean('RUN_CONNECTOR', true),
    conax: {
      url: conaxUrl,
      username: read.string('CONAX_USERNAME', 'conax'),
      password: read.string('CONAX_PASSWORD', 'conax'),
      encoding,
      callTimeoutMs: read.integer('CONAX_CALL_TIMEOUT_MS', 5_000, 10, 600_000),
      maxInFlight: read.integer('CONAX_MAX_IN_FLIGHT', 4, 1, 256),
      retry: {
        maxAttempts: read.integer('CONAX_MAX_RETRIES', 5, 0, 100),
        initialDelayMs: read.integer('CONAX_RETRY_INITIAL_MS', 200, 1, 60_000),
        maxDelayMs: read.integer('CONAX_RETRY_MAX_MS', 5_000, 1, 600_000),
      },
    },
    simulator: {
      port: read.integer('CONAX_SIMULATOR_PORT', 0, 0, 65535),
      host: read.string('CONAX_SIMULATOR_HOST', '127.0.0.1'),
      latencyMs: read.integer('CONAX_SIMULATOR_LATENCY_MS', 0, 0, 600_000),
      transientFailureRate: read.rate('CONAX_SIMULATOR_FAILURE_RATE', 0),
      sessionTtlMs: read.integer('CONAX_SIMULATOR_SESSION_TTL_MS', 300_000, 1, 86_400_000),
      callLogSize: read.integer('CONAX_SIMULATOR_CALL_LOG_SIZE', 10_000, 1, 10_000_000),
    },
  };
  if (role === 'service' && config.runConnector && config.outcomeTimeoutMs <= config.conax.callTimeoutMs) {
    // A re-send before one call could even have ended would only queue behind the call it repeats.
    read.problems.push(`OUTCOME_TIMEOUT_MS (${config.outcomeTimeoutMs}) must be longer than CONAX_CALL_TIMEOUT_MS (${config.conax.callTimeoutMs}).`);
  }
  if (production) read.problems.push(...productionProblems(env, config, role));
  if (read.problems.length) throw new ConfigError(read.problems);
  return config;
}

/**
 * SPEC §2 Production profile: every secret and endpoint is set explicitly, nothing falls back to a
 * development default, and the embedded stores and the bundled simulator never run. All problems at once.
 */
function productionProblems(env: Env, config: AppConfig, role: ConfigRole): string[] {
  const problems: string[] = [];
  const unset = (name: string) => env[name] === undefined || env[name] === '';
  const require = (name: string, why: string) => {
    if (unset(name)) problems.push(`${name} is required when NODE_ENV=production (${why}).`);
  };
  const needsStores = role === 'service' || role === 'read-model';
  const needsConax = role === 'connector' || (role === 'service' && config.runConnector);
  if (role === 'service') {
    require('JWT_SECRET', 'tokens must survive restarts and work across instances');
    require('AUTH_USERS', 'there are no default users outside development');
    if (config.authUsersJson !== null) {
      try {
        const plain = parseAuthUsers(config.authUsersJson).filter((u) => u.password !== null);
        if (plain.length) {
          problems.push(
            `AUTH_USERS must hold password_hash only in production (plain password for ${plain.map((u) => u.user.username).join(', ')}; make one with npm run hash-password).`,
          );
        }
      } catch {
        // already reported by the general check
      }
    }
  }
  if (needsStores) {
    if (config.eventStore === 'sqlite') problems.push('EVENT_STORE must be eventstoredb or postgres when NODE_ENV=production (not the embedded sqlite).');
    if (config.readModel === 'sqlite') problems.push('READ_MODEL must be postgres when NODE_ENV=production (not the embedded sqlite).');
  }
  if (role === 'service' || role === 'connector') {
    if (config.bus !== 'kafka') problems.push('BUS must be kafka when NODE_ENV=production (not the in-process bus).');
  }
  if (role === 'connector' && config.readModel === 'sqlite') {
    problems.push('READ_MODEL must be postgres when NODE_ENV=production (the connector keeps its ledger there).');
  }
  if (needsConax) {
    require('CONAX_URL', 'the bundled simulator never runs in production');
    require('CONAX_USERNAME', 'no default Conax login in production');
    require('CONAX_PASSWORD', 'no default Conax login in production');
  }
  return problems;
}

/**
 * On the embedded default only one process uses a DATA_DIR at a time, so the instance is named after the
 * host and the directory: restarted on the same DATA_DIR, it is the same instance and resumes its own
 * leases and connector claims at once instead of waiting for them to lapse. On shared stores each process
 * is its own instance (host and pid) unless INSTANCE_ID says otherwise.
 */
function defaultInstanceId(eventStore: string, readModel: string, dataDir: string): string {
  if (eventStore === 'sqlite' && readModel === 'sqlite') {
    return `${hostname()}-${createHash('sha256').update(resolve(process.cwd(), dataDir)).digest('hex').slice(0, 12)}`;
  }
  return `${hostname()}-${process.pid}`;
}

/**
 * TRUST_PROXY: unset or `false` trusts no proxy (the peer address is the client); a number trusts that many
 * hops; otherwise a comma-separated list of proxy addresses, subnets or Express's names for ranges
 * (`10.0.0.0/8,loopback`).
 */
function trustProxyOf(raw: string | null, problems: string[]): boolean | number | string[] {
  if (raw === null || raw === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  if (entries.length === 0 || entries.some((e) => !named.includes(e) && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e))) {
    problems.push(`TRUST_PROXY must be false, a hop count, or proxy addresses/subnets (got "${raw}").`);
    return false;
  }
  return entries;
}

/** For entry points: the configuration, or the list of problems on stderr and exit code 2. */
export function loadConfigOrExit(env: Env = process.env, role: ConfigRole = 'service'): AppConfig {
  try {
    return loadConfig(env, role);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
