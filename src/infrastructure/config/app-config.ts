import { Topics } from '../../application/application-settings';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { conaxCharset, firstUnencodable } from '../conax/conax-charset';
import { parseAuthUsers } from './auth-users';
import { pinEncryptionKeyBytes, readEnvironment, trustedProxies } from './environment';

/**
 * Every setting the service reads, typed and grouped, from the environment checked at boot (environment.ts).
 * A wrong value stops the boot with one line per problem naming the variable; nothing is read from the
 * environment anywhere else.
 */
export interface AppConfig {
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  authUsersJson: string | null;
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  /** Wraps every request's own key (SPEC §8); null on the embedded default, which keeps one in DATA_DIR. */
  pinEncryptionKey: Buffer | null;
  tokenTtlSeconds: number;
  maxSetSize: number;
  bodyLimitBytes: number;
  /** The batch upload's body cap (SPEC §10: up to 100,000 items). */
  batchBodyLimitBytes: number;
  timeZone: string;
  rateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
  /** Fastify `trustProxy`: false, or the addresses/subnets of the proxies in front (never a hop count). */
  trustProxy: boolean | string[];
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
  topics: Topics;
  /** The organisations other services may create requests for over Kafka (SPEC §9); none unless configured. */
  commandOrganisations: string[];
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

/** What ConfigService answers (@nestjs/config): the checked configuration under `app`. */
export interface ServiceConfiguration {
  app: AppConfig;
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

const int = (value: string) => Number(value);

/**
 * The configuration from the environment: each variable checked by the Environment class (environment.ts),
 * then the rules that span several variables, then production's. Every problem is listed at once.
 */
export function loadConfig(env: Env = process.env, role: ConfigRole = 'service'): AppConfig {
  const { environment: e, problems } = readEnvironment(env);
  const production = e.NODE_ENV === 'production';
  if ((e.EVENT_STORE === 'postgres' || e.READ_MODEL === 'postgres') && !e.DATABASE_URL) {
    problems.push('DATABASE_URL is required when EVENT_STORE or READ_MODEL is postgres (postgres://user@host:5432/db).');
  }
  if (e.EVENT_STORE === 'eventstoredb' && !e.EVENTSTOREDB_URL) {
    problems.push('EVENTSTOREDB_URL is required when EVENT_STORE=eventstoredb (esdb://host:2113?tls=false).');
  }
  const brokers = (e.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (e.BUS === 'kafka' && brokers.length === 0) problems.push('KAFKA_BROKERS is required when BUS=kafka (host:port,…).');
  const charset = conaxCharset(e.CONAX_ENCODING);
  for (const name of ['CONAX_USERNAME', 'CONAX_PASSWORD'] as const) {
    if (charset && env[name] && firstUnencodable(e[name], charset) !== null) problems.push(`${name} cannot be written in ${charset} (CONAX_ENCODING).`);
  }
  const eventStore = e.EVENT_STORE as AppConfig['eventStore'];
  const readModel = e.READ_MODEL as AppConfig['readModel'];
  const config: AppConfig = {
    production,
    port: int(e.PORT),
    host: e.HOST,
    dataDir: isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(process.cwd(), e.DATA_DIR),
    authUsersJson: e.AUTH_USERS ?? null,
    jwtSecret: e.JWT_SECRET ?? randomBytes(48).toString('base64url'),
    jwtSecretGenerated: e.JWT_SECRET === undefined,
    pinEncryptionKey: e.PIN_ENCRYPTION_KEY ? pinEncryptionKeyBytes(e.PIN_ENCRYPTION_KEY) : null,
    tokenTtlSeconds: int(e.TOKEN_TTL_SECONDS),
    maxSetSize: int(e.MAX_SET_SIZE),
    bodyLimitBytes: int(e.BODY_LIMIT_BYTES),
    batchBodyLimitBytes: int(e.BATCH_BODY_LIMIT_BYTES),
    timeZone: e.SERVICE_TIME_ZONE,
    rateLimitPerMinute: int(e.RATE_LIMIT_PER_MINUTE),
    loginRateLimitPerMinute: int(e.LOGIN_RATE_LIMIT_PER_MINUTE),
    trustProxy: e.TRUST_PROXY === 'false' ? false : (trustedProxies(e.TRUST_PROXY) ?? false),
    readYourWritesTimeoutMs: int(e.READ_YOUR_WRITES_TIMEOUT_MS),
    processImmediatelyWaitMs: int(e.PROCESS_IMMEDIATELY_WAIT_MS),
    shutdownTimeoutMs: int(e.SHUTDOWN_TIMEOUT_MS),
    processImmediatelyMaxWaiters: int(e.PROCESS_IMMEDIATELY_MAX_WAITERS),
    instanceId: e.INSTANCE_ID ?? defaultInstanceId(eventStore, readModel, e.DATA_DIR),
    logLevel: e.LOG_LEVEL as AppConfig['logLevel'],
    subscriberLeaseTtlMs: int(e.SUBSCRIBER_LEASE_TTL_MS),
    eventsCommitIntervalMs: int(e.EVENTS_COMMIT_INTERVAL_MS),
    eventStore,
    readModel,
    databaseUrl: e.DATABASE_URL ?? null,
    databaseSchema: e.DATABASE_SCHEMA,
    eventStoreDbUrl: e.EVENTSTOREDB_URL ?? null,
    bus: e.BUS as AppConfig['bus'],
    kafka: {
      brokers,
      clientId: e.KAFKA_CLIENT_ID,
      partitions: int(e.KAFKA_PARTITIONS),
      replicationFactor: int(e.KAFKA_REPLICATION_FACTOR),
    },
    topics: {
      dispatch: e.DISPATCH_TOPIC,
      outcomes: e.OUTCOME_TOPIC,
      events: e.EVENTS_TOPIC,
      catalogueServices: e.CATALOGUE_SERVICES_TOPIC,
      catalogueSmartcards: e.CATALOGUE_SMARTCARDS_TOPIC,
      commands: e.COMMANDS_TOPIC,
      commandReplies: e.COMMAND_REPLIES_TOPIC,
    },
    commandOrganisations: (e.COMMAND_ORGANISATIONS ?? '').split(',').map((name) => name.trim()).filter(Boolean),
    busRetry: {
      maxAttempts: int(e.BUS_MAX_ATTEMPTS),
      initialDelayMs: int(e.BUS_RETRY_INITIAL_MS),
      maxDelayMs: int(e.BUS_RETRY_MAX_MS),
    },
    processingRunIntervalMs: int(e.PROCESSING_RUN_INTERVAL_MS),
    processingRunBatch: int(e.PROCESSING_RUN_BATCH),
    outcomeTimeoutMs: int(e.OUTCOME_TIMEOUT_MS),
    maxDispatchAttempts: int(e.MAX_DISPATCH_ATTEMPTS),
    runConnector: e.RUN_CONNECTOR === 'true' || e.RUN_CONNECTOR === '1',
    conax: {
      url: e.CONAX_URL ?? null,
      username: e.CONAX_USERNAME,
      password: e.CONAX_PASSWORD,
      encoding: e.CONAX_ENCODING,
      callTimeoutMs: int(e.CONAX_CALL_TIMEOUT_MS),
      maxInFlight: int(e.CONAX_MAX_IN_FLIGHT),
      retry: {
        maxAttempts: int(e.CONAX_MAX_RETRIES),
        initialDelayMs: int(e.CONAX_RETRY_INITIAL_MS),
        maxDelayMs: int(e.CONAX_RETRY_MAX_MS),
      },
    },
    simulator: {
      port: int(e.CONAX_SIMULATOR_PORT),
      host: e.CONAX_SIMULATOR_HOST,
      latencyMs: int(e.CONAX_SIMULATOR_LATENCY_MS),
      transientFailureRate: Number(e.CONAX_SIMULATOR_FAILURE_RATE),
      sessionTtlMs: int(e.CONAX_SIMULATOR_SESSION_TTL_MS),
      callLogSize: int(e.CONAX_SIMULATOR_CALL_LOG_SIZE),
    },
  };
  if (role === 'service' && config.runConnector && config.outcomeTimeoutMs <= config.conax.callTimeoutMs) {
    // A re-send before one call could even have ended would only queue behind the call it repeats.
    problems.push(`OUTCOME_TIMEOUT_MS (${config.outcomeTimeoutMs}) must be longer than CONAX_CALL_TIMEOUT_MS (${config.conax.callTimeoutMs}).`);
  }
  if (production) problems.push(...productionProblems(env, config, role));
  if (problems.length) throw new ConfigError(problems);
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
  if (role === 'service' || needsConax) require('PIN_ENCRYPTION_KEY', 'PINs are sealed under it; no key file is made in production');
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
