import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hashPassword } from '../../src/infrastructure/http/auth/password-hash';
import { ConfigError, ConfigRole, loadConfig } from '../../src/infrastructure/config/app-config';

/** SPEC §2 Production profile: nothing falls back to a development default; every problem is named at once. */
const problemsOf = (env: Record<string, string>, role?: ConfigRole): string[] => {
  try {
    loadConfig(env, role);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe('production profile (fail closed)', () => {
  let complete: Record<string, string>;

  beforeAll(async () => {
    complete = {
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-chars',
      AUTH_USERS: JSON.stringify([{ username: 'op', organisation: 'ACME', password_hash: await hashPassword('pw') }]),
      EVENT_STORE: 'postgres',
      READ_MODEL: 'postgres',
      DATABASE_URL: 'postgres://conax@db.example:5432/conax',
      BUS: 'kafka',
      KAFKA_BROKERS: 'kafka.example:9092',
      CONAX_URL: 'https://conax.example/soap',
      CONAX_USERNAME: 'crm',
      CONAX_PASSWORD: 'secret',
      PIN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
  });

  it('boots with every secret and endpoint set explicitly', () => {
    expect(problemsOf(complete)).toEqual([]);
  });

  it('lists everything that is missing at once, one line per problem', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['JWT_SECRET', 'AUTH_USERS', 'EVENT_STORE', 'READ_MODEL', 'BUS', 'CONAX_URL', 'CONAX_USERNAME', 'CONAX_PASSWORD', 'PIN_ENCRYPTION_KEY']) {
      expect(problems.filter((p) => p.startsWith(`${name} `))).toHaveLength(1);
    }
  });

  it.each(['JWT_SECRET', 'AUTH_USERS', 'CONAX_URL', 'CONAX_USERNAME', 'CONAX_PASSWORD', 'PIN_ENCRYPTION_KEY'])('refuses to start without %s', (name) => {
    const { [name]: _, ...rest } = complete;
    expect(problemsOf(rest)).toEqual([expect.stringMatching(new RegExp(`^${name} is required`))]);
  });

  it('refuses plain-text passwords, the embedded stores and the in-process bus', () => {
    const plain = JSON.stringify([{ username: 'op', organisation: 'ACME', password: 'pw' }]);
    expect(problemsOf({ ...complete, AUTH_USERS: plain })).toEqual([expect.stringMatching(/^AUTH_USERS must hold password_hash only/)]);
    expect(problemsOf({ ...complete, EVENT_STORE: 'sqlite' })).toEqual([expect.stringMatching(/^EVENT_STORE must be/)]);
    expect(problemsOf({ ...complete, READ_MODEL: 'sqlite' })).toEqual([expect.stringMatching(/^READ_MODEL must be postgres/)]);
    expect(problemsOf({ ...complete, BUS: 'memory' })).toEqual([expect.stringMatching(/^BUS must be kafka/)]);
  });

  it('refuses a hop count as TRUST_PROXY (it cannot check who sent X-Forwarded-For), and takes the proxies by address', () => {
    expect(problemsOf({ ...complete, TRUST_PROXY: '1' })).toEqual([expect.stringMatching(/^TRUST_PROXY must name the proxies .*not a hop count/)]);
    expect(problemsOf({ ...complete, TRUST_PROXY: '10.0.0.0/8,loopback' })).toEqual([]);
    expect(loadConfig({ ...complete, TRUST_PROXY: '10.0.0.0/8,loopback' }).trustProxy).toEqual(['10.0.0.0/8', 'loopback']);
  });

  it('takes PIN_ENCRYPTION_KEY only as 32 bytes of base64', () => {
    expect(problemsOf({ ...complete, PIN_ENCRYPTION_KEY: 'short' })).toEqual([expect.stringMatching(/^PIN_ENCRYPTION_KEY must be 32 bytes/)]);
    expect(problemsOf({ ...complete, PIN_ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toEqual([expect.stringMatching(/^PIN_ENCRYPTION_KEY must be 32 bytes/)]);
  });

  it('asks each process only for what it uses: the connector needs Conax, not users', () => {
    const connector = { ...complete, JWT_SECRET: '', AUTH_USERS: '' };
    expect(problemsOf(connector, 'connector')).toEqual([]);
    expect(problemsOf({ ...connector, CONAX_PASSWORD: '' }, 'connector')).toEqual([expect.stringMatching(/^CONAX_PASSWORD is required/)]);
    // A service that leaves Conax to a separate connector needs no Conax settings.
    expect(problemsOf({ ...complete, RUN_CONNECTOR: 'false', CONAX_URL: '', CONAX_USERNAME: '', CONAX_PASSWORD: '' })).toEqual([]);
  });

  it('the built service exits with code 2 and names every problem on stderr (real process)', () => {
    const main = join(__dirname, '..', '..', 'dist', 'main.js');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0' };
    const result = spawnSync(process.execPath, [main], { env, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('  - '));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(result.stderr).toContain('CONAX_URL is required');
    const typo = spawnSync(process.execPath, [main], { env: { ...env, NODE_ENV: 'prod' }, encoding: 'utf8', timeout: 20_000 });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('NODE_ENV must be production, development or test');
  });
});
