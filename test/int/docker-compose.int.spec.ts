import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** No Docker engine runs here: the compose file is validated by Debian's docker-compose (installed by .ci/run). */
const root = join(__dirname, '..', '..');
const hasCompose = spawnSync('docker-compose', ['--version']).status === 0;
/** What an operator puts in .env; the test passes it in the environment (no .env file is committed). */
const SECRETS = {
  JWT_SECRET: 'compose-test-secret-compose-test-secret',
  AUTH_USERS: '[{"username":"op","organisation":"DEMO","password_hash":"scrypt$16384$8$1$c2FsdA$aGFzaA"}]',
  POSTGRES_PASSWORD: 'compose-test-pg',
  CONAX_USERNAME: 'crm',
  CONAX_PASSWORD: 'compose-test-conax',
  PIN_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
};
// An empty env file, so a developer's own .env never leaks into the test.
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');
const compose = (args: string[], secrets: Record<string, string> = SECRETS) =>
  spawnSync('docker-compose', ['-f', 'docker-compose.yml', '--env-file', emptyEnvFile, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...secrets },
  });

(hasCompose ? describe : describe.skip)('docker-compose.yml', () => {
  it('validates', () => {
    const result = compose(['config', '-q']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('has no usable default for any secret: without them it refuses, naming each', () => {
    for (const name of Object.keys(SECRETS)) {
      const { [name]: _, ...rest } = SECRETS as Record<string, string>;
      const result = compose(['config', '-q'], rest);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(name);
    }
    const resolved = compose(['config']).stdout;
    expect(resolved).toContain('NODE_ENV: production');
    expect(resolved).not.toMatch(/password":"operator|change-me|conax:conax@/);
  });

  it('runs the real engines beside the service, the connector and the simulator, all with healthchecks where others wait on them', () => {
    const resolved = compose(['config']).stdout;
    const services = compose(['config', '--services']).stdout.trim().split('\n').sort();
    expect(services).toEqual(['conax-simulator', 'connector', 'eventstoredb', 'kafka', 'postgres', 'service']);
    expect(resolved).toMatch(/image: eventstore\/eventstore:/);
    expect(resolved).toMatch(/image: apache\/kafka:/);
    expect(resolved).toMatch(/image: postgres:/);
    expect(resolved).toMatch(/EVENT_STORE: eventstoredb/);
    expect(resolved).toMatch(/READ_MODEL: postgres/);
    expect(resolved).toMatch(/BUS: kafka/);
    expect((resolved.match(/healthcheck:/g) ?? []).length).toBeGreaterThanOrEqual(5);
  });
});
