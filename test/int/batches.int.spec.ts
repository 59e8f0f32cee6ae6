import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, ROUTES, TestApp, startTestApp } from '../support/test-app';
import { TEST_DATABASE_URL, testSchema } from '../support/postgres';
import { BatchRunner } from '../../src/application/batches/batch-runner';
import { BATCH_STORE, BatchStore } from '../../src/application/ports/batch-store.port';

const BATCHES = `${BASE}/conax_web_services/provisioning_requests/batches`;

/**
 * SPEC §10 on the embedded default: an upload (JSON array or CSV) answered at once, one request per valid item
 * with the utility's process_name and the batch id as process_id, invalid items listed by line, nothing created
 * twice on a re-submission, and another organisation sees nothing of it.
 */
const postgres = testSchema('batches');
afterAll(() => postgres.drop());

describe.each([
  ['embedded default', () => ({})],
  ['PostgreSQL event store and read model', () => ({ EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: postgres.name })],
])('batches (SPEC §10, %s)', (_profile, profile: () => Record<string, string>) => {
  let t: TestApp;
  let token: string;
  const pairing = (n: number) => ({ smartcard_set: [{ smartcard_ca_id: String(8_100_000 + n) }], stb_set: [{ stb_ca_id: String(8_200_000 + n) }] });
  const show = (id: string, as = token) => t.http.get(`${BATCHES}/show`).query({ token: as, batch_identifier: `id=${id}` });
  const until = async (id: string): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 200; i++) {
      const batch = (await show(id)).body.data;
      if (batch.state === 'DONE') return batch;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`batch ${id} did not finish`);
  };
  const requestsOf = async (batchId: string) => {
    const rows: Array<Record<string, unknown>> = [];
    for (let offset = 0; ; offset += 100) {
      const page = (await t.http.get(ROUTES.list).query({ token, number_of_results: 100, offset })).body.data as Array<Record<string, unknown>>;
      rows.push(...page.filter((row) => row.process_id === batchId));
      if (page.length < 100) return rows;
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', ...profile() });
    token = await t.login();
  });
  afterAll(() => t.close());

  it('creates one request per valid JSON item, lists the invalid ones by position, and answers at once', async () => {
    const items = [pairing(1), { stb_set: [{ stb_ca_id: '1' }] }, pairing(3), { ...pairing(4), smartcard_set: [{ smartcard_ca_id: 'has space' }] }, pairing(5)];
    const submitted = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).send(items);
    expect(submitted.status).toBe(200);
    expect(submitted.body.data).toMatchObject({ type: 'CREATE_PAIRING', process_name: 'PAIRING_UTILITY', total: 5, accepted: 3, rejected: 2 });
    expect(['RUNNING', 'DONE']).toContain(submitted.body.data.state);
    expect(submitted.body.data.invalid_items).toEqual([
      { line: 2, error: 'smartcard_set: required' },
      { line: 4, error: expect.stringContaining('smartcard_set[0].smartcard_ca_id') },
    ]);
    const done = await until(submitted.body.data.id);
    expect(done).toMatchObject({ created: 3, rejected: 2, state: 'DONE' });
    const requests = await requestsOf(submitted.body.data.id);
    expect(requests).toHaveLength(3);
    for (const request of requests) expect(request).toMatchObject({ type: 'CREATE_PAIRING', process_name: 'PAIRING_UTILITY', life_cycle_state: 'PENDING' });
    expect(requests.map((r) => (r.parameters_set as Array<{ smartcard_ca_id?: string }>).find((p) => p.smartcard_ca_id)?.smartcard_ca_id).sort()).toEqual(['8100001', '8100003', '8100005']);
  });

  it('reads a CSV: members by header, a set in one cell, numbers and booleans by the body schema, lines counted from the header', async () => {
    const csv = [
      'smartcard_set.smartcard_ca_id,text,duration_seconds,priority',
      '9100001;9100002,Hello,30,EXPRESS',
      '9100003,"Pay, please",abc,REGULAR',
      '9100004,Bye,,',
      '',
    ].join('\n');
    const submitted = await t.http.post(BATCHES).query({ token, type: 'SEND_BARK_MESSAGE_TO_CLIENT' }).set('content-type', 'text/csv').send(csv);
    expect(submitted.status).toBe(200);
    expect(submitted.body.data).toMatchObject({ process_name: 'MAIL_BARK_MESSAGE_UTILITY', total: 3, accepted: 2, rejected: 1 });
    expect(submitted.body.data.invalid_items).toEqual([{ line: 3, error: expect.stringContaining('duration_seconds') }]);
    await until(submitted.body.data.id);
    const requests = await requestsOf(submitted.body.data.id);
    expect(requests).toHaveLength(2);
    const express = requests.find((r) => r.priority === 'EXPRESS')!;
    expect(express.parameters_set).toEqual(
      expect.arrayContaining([
        { id: expect.any(String), smartcard_ca_id: '9100001' },
        { id: expect.any(String), smartcard_ca_id: '9100002' },
        { id: expect.any(String), text: 'Hello' },
        { id: expect.any(String), duration_seconds: 30 },
      ]),
    );
  });

  it('answers a re-submission under the same key with the same batch, creating nothing twice; other items under it are 409', async () => {
    const items = [pairing(21), pairing(22)];
    const first = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).set('idempotency-key', 'migration-7').send(items);
    await until(first.body.data.id);
    const again = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).set('idempotency-key', 'migration-7').send(items);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ id: first.body.data.id, state: 'DONE', created: 2 });
    expect(await requestsOf(first.body.data.id)).toHaveLength(2);
    const other = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).set('idempotency-key', 'migration-7').send([pairing(23)]);
    expect({ status: other.status, code: other.body.status.code }).toEqual({ status: 409, code: 'CONFLICT' });
  });

  it('refuses what is no batch, and stores nothing of it', async () => {
    const refusals: Array<[string, unknown, string, number, string]> = [
      ['type not batchable', [pairing(31)], 'ADD_SUBSCRIPTIONS', 400, 'INVALID_PARAMETER'],
      ['an object', pairing(31), 'CREATE_PAIRING', 400, 'INVALID_PARAMETER'],
      ['an empty array', [], 'CREATE_PAIRING', 400, 'MISSING_PARAMETER'],
    ];
    for (const [name, body, type, status, code] of refusals) {
      const response = await t.http.post(BATCHES).query({ token, type }).send(body as object);
      expect({ name, status: response.status, code: response.body.status.code }).toEqual({ name, status, code });
    }
    const xml = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).set('content-type', 'application/xml').send('<a/>');
    expect(xml.status).toBe(415);
    const badCsv = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).set('content-type', 'text/csv').send('a,b\n"unclosed,1\n');
    expect({ status: badCsv.status, code: badCsv.body.status.code }).toEqual({ status: 400, code: 'INVALID_PARAMETER' });
    const withToken = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).send([{ ...pairing(32), token }]);
    expect(withToken.body.data).toMatchObject({ accepted: 0, rejected: 1, state: 'DONE', invalid_items: [{ line: 1, error: 'token: an item carries no token' }] });
    // The create routes still refuse an array, and CSV.
    const arrayOnRoute = await t.http.post(ROUTES.create).set('authorization', `Bearer ${token}`).send([pairing(33)]);
    expect(arrayOnRoute.status).toBe(400);
    const csvOnRoute = await t.http.post(ROUTES.create).set('authorization', `Bearer ${token}`).set('content-type', 'text/csv').send('a\n1\n');
    expect(csvOnRoute.status).toBe(415);
  });

  it("shows another organisation's batch to no one but its own", async () => {
    const submitted = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).send([pairing(41)]);
    const mallory = await t.login('mallory');
    expect((await show(submitted.body.data.id, mallory)).status).toBe(404);
    const theirs = await t.http.get(`${BATCHES}/list`).query({ token: mallory });
    expect(theirs.body.data.map((b: { id: string }) => b.id)).not.toContain(submitted.body.data.id);
    await until(submitted.body.data.id);
    const ours = await t.http.get(`${BATCHES}/list`).query({ token });
    expect(ours.body.data.find((b: { id: string }) => b.id === submitted.body.data.id)).toMatchObject({ state: 'DONE', total: 1, created: 1 });
  });

  it('lists an item the domain refuses at creation (a card the catalogue does not know) as invalid, with its line', async () => {
    const submitted = await t.http.post(BATCHES).query({ token, type: 'UPDATE_CA_PIN_TO_DEFAULT_VALUE' }).send([
      { smartcard_ca_id: '9200001' },
      { smartcard_identifier: { serial_number: 'NOWHERE' } },
    ]);
    expect(submitted.body.data).toMatchObject({ process_name: 'RESET_PIN', accepted: 2, rejected: 0 });
    const done = await until(submitted.body.data.id);
    expect(done).toMatchObject({ total: 2, created: 1, rejected: 1 });
    expect(done.invalid_items).toEqual([{ line: 2, error: expect.stringContaining('smartcard_identifier') }]);
  });

  it('`npm run batch -- FILE` uploads a CSV, follows it to DONE with a progress bar, lists the invalid lines, and a second run creates nothing new', async () => {
    await t.app.listen(0, '127.0.0.1');
    const url = await t.app.getUrl();
    const file = join(t.dataDir, 'pairings.csv');
    writeFileSync(file, ['smartcard_set.smartcard_ca_id,stb_set.stb_ca_id', ...Array.from({ length: 40 }, (_, n) => `${8_300_000 + n},${8_400_000 + n}`), 'bad card,1', ''].join('\n'));
    const run = () =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'batch.js'), file], { env: { ...process.env, SERVICE_URL: url, SERVICE_TOKEN: token } }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const first = await run();
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/41 items, 40 accepted, 1 refused at submission/);
    expect(first.stdout).toMatch(/Done: 40 requests created/);
    expect(first.stdout).toMatch(/line 42: smartcard_set\[0\]\.smartcard_ca_id/);
    const batchId = /Batch (\S+):/.exec(first.stdout)![1];
    const second = await run();
    expect(second.stdout).toContain(`Batch ${batchId}:`);
    expect(await requestsOf(batchId)).toHaveLength(40);
    const usage = await new Promise<number>((resolve) => execFile(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'batch.js')], (error) => resolve(Number(error?.code ?? 0))));
    expect(usage).toBe(2);
  });

  it('sweeps an upload no batch names once it is an hour old (a submission that died before its append), and keeps every named one', async () => {
    const store = t.app.get<BatchStore>(BATCH_STORE);
    const named = await t.http.post(BATCHES).query({ token, type: 'CREATE_PAIRING' }).send([pairing(51)]);
    await until(named.body.data.id);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await store.stage('ORPHANUPLOAD00000000000000000001', 'NOBATCH0000000000000000000000001', [{ line: 1, body: '{}', error: null }], twoHoursAgo);
    await store.stage('FRESHUPLOAD000000000000000000001', 'NOBATCH0000000000000000000000002', [{ line: 1, body: '{}', error: null }], new Date());
    expect(await t.app.get(BatchRunner).sweepUnnamedUploads()).toBe(1);
    expect(await store.acceptedItems('ORPHANUPLOAD00000000000000000001', 0, 10)).toEqual([]);
    expect(await store.acceptedItems('FRESHUPLOAD000000000000000000001', 0, 10)).toHaveLength(1);
    expect((await show(named.body.data.id)).body.data).toMatchObject({ state: 'DONE', created: 1 });
  });
});
