import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** No Docker engine runs here: the compose file is validated by Debian's docker-compose (installed by .ci/run). */
const root = join(__dirname, '..', '..');
const hasCompose = spawnSync('docker-compose', ['--version']).status === 0;
const compose = (...args: string[]) => spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], { cwd: root, encoding: 'utf8' });

(hasCompose ? describe : describe.skip)('docker-compose.yml', () => {
  it('validates', () => {
    const result = compose('config', '-q');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs the real engines beside the service, the connector and the simulator, all with healthchecks where others wait on them', () => {
    const resolved = compose('config').stdout;
    const services = compose('config', '--services').stdout.trim().split('\n').sort();
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
