import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

/**
 * What a consumer microservice does with the document: generates types from /docs-json with
 * openapi-typescript, writes a client with openapi-fetch, and compiles it with `tsc --strict`. The client
 * logs in, creates, shows, lists and reads history with no cast and no hand-written type: if a response
 * were untyped (never, unknown) or typed wrong, this would not compile, or would fail when it runs.
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const BASE = '/crmapi/rest/v2';
const client = createClient<paths>({ baseUrl: process.argv[2] });

const login = await client.POST(\`\${BASE}/authentication/token\`, { body: { username: 'alice', password: 'wonderland', organisation: 'ACME' } });
if (!login.data) throw new Error(\`login: \${login.error?.status.code}\`);
const token: string = login.data.data.token;

const created = await client.POST(\`\${BASE}/conax_web_services/provisioning_requests/create_pairing\`, {
  body: { token, priority: 'EXPRESS', smartcard_set: [{ smartcard_ca_id: '01900080207' }], stb_set: [{ stb_ca_id: '4500012345' }] },
});
if (!created.data) throw new Error(\`create: \${created.error?.status.code} \${created.error?.status.description}\`);
const id: string | undefined = created.data.data.id;
const state: 'PENDING' | 'REJECTED' | 'COMPLETED' | undefined = created.data.data.life_cycle_state;

const shown = await client.GET(\`\${BASE}/conax_web_services/provisioning_requests/show\`, {
  params: { query: { token, provisioning_request_identifier: \`id=\${id}\` } },
});
const missing = await client.GET(\`\${BASE}/conax_web_services/provisioning_requests/show\`, {
  params: { query: { token, provisioning_request_identifier: 'id=00000000000000000000000000000000' } },
});
const code: string | undefined = missing.error?.status.code;

const listed = await client.GET(\`\${BASE}/conax_web_services/provisioning_requests/list\`, {
  params: { query: { token, life_cycle_state: 'PENDING', number_of_results: 5 } },
});
const numbers: Array<string | undefined> = (listed.data?.data ?? []).map((request) => request.number);

const history = await client.GET(\`\${BASE}/conax_web_services/provisioning_requests/history\`, {
  params: { query: { token, provisioning_request_identifier: \`id=\${id}\` } },
});
const types: string[] = (history.data?.data ?? []).map((entry) => entry.type);

console.log(JSON.stringify({ id, state, shown: shown.data?.data.id, code, numbers, types }));
`;

describe('a client generated from /docs-json (openapi-typescript, openapi-fetch, tsc --strict)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', RUN_CONNECTOR: 'false' });
    await t.app.listen(0, '127.0.0.1');
    // Inside the repository, so that the client resolves openapi-fetch from its node_modules.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.tmp', 'generated-client-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles without a cast and runs: login, create, show, list, history', async () => {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify((await t.http.get('/docs-json')).body));
    execFileSync(join(BIN, 'openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'api.d.ts')], { stdio: 'pipe' });
    writeFileSync(join(dir, 'client.mts'), CLIENT);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const compile = () =>
      execFileSync(join(BIN, 'tsc'), ['--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--outDir', join(dir, 'out'), join(dir, 'client.mts')], {
        stdio: 'pipe',
        encoding: 'utf8',
      });
    try {
      compile();
    } catch (error) {
      throw new Error(`the generated client does not compile:\n${(error as { stdout?: string }).stdout}`);
    }
    const address = t.app.getHttpServer().address() as { port: number };
    // Asynchronously: the service answering it runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'out', 'client.mjs'), `http://127.0.0.1:${address.port}`], { encoding: 'utf8', timeout: 30_000 });
    const result = JSON.parse(stdout);
    expect(result).toEqual({
      id: expect.stringMatching(/^[0-9A-F]{32}$/),
      state: 'PENDING',
      shown: result.id,
      code: 'NOT_FOUND',
      numbers: [expect.any(String)],
      types: ['PairingRequested'],
    });
  });
});
