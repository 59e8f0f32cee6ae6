import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from '../support/fault-harness';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
const BASE = '/crmapi/rest/v2';
const USERS = JSON.stringify([{ username: 'logan', password: 'pass-word-never-logged', organisation: 'ACME' }]);

/**
 * The built service's own stdout at LOG_LEVEL=info (README "Logs"): one JSON line per answered request under
 * its correlation id, tokens and passwords in no line, Nest's log calls as JSON lines with their context.
 */
describe('request logs of the real process', () => {
  let child: ChildProcess;
  let output = '';
  let url: string;
  const lines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: npm test builds it first (npx nest build)');
    const port = await freePort();
    url = `http://127.0.0.1:${port}${BASE}`;
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'conax-logs-')),
        AUTH_USERS: USERS,
        JWT_SECRET: 'request-logs-test-secret-request-logs-test-secret',
        PROCESSING_RUN_INTERVAL_MS: '3600000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; !(await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null))?.ok; i++) {
      if (i > 300) throw new Error(`the service did not start:\n${output}`);
      await sleep(100);
    }
  }, 60_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('writes one line per answered request with its correlation id, status and duration, and no token or password', async () => {
    const login = await fetch(`${url}/authentication/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Correlation-Id': 'log-login-1' },
      body: JSON.stringify({ username: 'logan', password: 'pass-word-never-logged', organisation: 'ACME' }),
    });
    const token = ((await login.json()) as { data: { token: string } }).data.token;
    const created = await fetch(`${url}/conax_web_services/provisioning_requests/create_pairing`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Correlation-Id': 'log-create-1', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ token, smartcard_set: [{ smartcard_ca_id: '111' }], stb_set: [{ stb_ca_id: '222' }] }),
    });
    expect(created.status).toBe(200);
    const listed = await fetch(`${url}/conax_web_services/provisioning_requests/list?token=${encodeURIComponent(token)}&type=CREATE_PAIRING`, {
      headers: { 'X-Correlation-Id': 'log-list-1', Cookie: `session=${token}` },
    });
    expect(listed.status).toBe(200);
    const refused = await fetch(`${url}/conax_web_services/provisioning_requests/list?token=not-a-token`, { headers: { 'X-Correlation-Id': 'log-refused-1' } });
    expect(refused.status).toBe(401);

    for (let i = 0; i < 50 && !lines().some((line) => line.reqId === 'log-refused-1'); i++) await sleep(100);
    const byRequest = (id: string) => lines().filter((line) => line.reqId === id);
    expect(byRequest('log-login-1')).toEqual([
      expect.objectContaining({ level: 30, msg: 'request completed', req: expect.objectContaining({ method: 'POST', url: `${BASE}/authentication/token` }), res: { statusCode: 200 } }),
    ]);
    expect(byRequest('log-create-1')).toEqual([expect.objectContaining({ msg: 'request completed', res: { statusCode: 200 }, responseTime: expect.any(Number) })]);
    expect(byRequest('log-list-1')).toEqual([
      expect.objectContaining({
        req: expect.objectContaining({ url: `${BASE}/conax_web_services/provisioning_requests/list?token=[Redacted]&type=CREATE_PAIRING` }),
        res: { statusCode: 200 },
      }),
    ]);
    expect(byRequest('log-refused-1')).toEqual([expect.objectContaining({ res: { statusCode: 401 } })]);
    expect(output).not.toContain(token);
    expect(output).not.toContain('not-a-token');
    expect(output).not.toContain('pass-word-never-logged');
  });

  it("writes Nest's log calls as JSON lines with their context", () => {
    expect(lines()).toContainEqual(expect.objectContaining({ level: 30, context: 'NestApplication', msg: 'Nest application successfully started' }));
  });

  it('never writes a PIN: not on its way in, not as it goes to Conax, not when it is refused', async () => {
    const login = await fetch(`${url}/authentication/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'logan', password: 'pass-word-never-logged', organisation: 'ACME' }),
    });
    const token = ((await login.json()) as { data: { token: string } }).data.token;
    const setPin = (pin: string, correlation: string) =>
      fetch(`${url}/conax_web_services/provisioning_requests/update_ca_pin_to_given_value`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Correlation-Id': correlation, Authorization: `Bearer ${token}` },
        body: JSON.stringify({ smartcard_ca_id: '7310', pin, process_immediately: true }),
      });
    const done = (await (await setPin('7294', 'log-pin-1')).json()) as { data: { life_cycle_state: string } };
    expect(done.data.life_cycle_state).toBe('COMPLETED'); // sent to Conax and answered: every step logged what it logs
    expect((await setPin('72a4', 'log-pin-2')).status).toBe(400);
    expect((await setPin('7294 ', 'log-pin-3')).status).toBe(400);
    for (let i = 0; i < 50 && !lines().some((line) => line.reqId === 'log-pin-3'); i++) await sleep(100);
    expect(lines().filter((line) => line.reqId === 'log-pin-1').length).toBeGreaterThan(0);
    expect(output).not.toMatch(/(^|[^0-9A-Za-z])72(94|a4)([^0-9A-Za-z]|$)/);
  });
});
