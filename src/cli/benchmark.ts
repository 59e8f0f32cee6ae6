import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ChildProcess, spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import { createApp } from '../app';
import { ProcessingRun } from '../application/processing/processing-run';
import { loadConfig } from '../infrastructure/config/app-config';
import { SqliteEventStore } from '../infrastructure/sqlite/sqlite-event-store';
import { openStorage } from '../infrastructure/adapters';
import { createRequestViewTable } from '../infrastructure/sql/schema';

/**
 * `npm run bench`: throughput of the pipeline, as ratios to a baseline measured in the same run (raw
 * appends to the same kind of event store), because the machines are shared and noisy.
 * BENCH_REQUESTS (default 500) sets the size; with KAFKA_BROKERS set the pipeline also runs over Kafka.
 */
const N = Number(process.env.BENCH_REQUESTS ?? 500);
const BASE = '/crmapi/rest/v2';

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function baselineAppends(): Promise<number> {
  const store = new SqliteEventStore(join(mkdtempSync(join(tmpdir(), 'bench-')), 'events.sqlite'));
  const metadata = { correlation_id: 'b', causation_id: null, user: { id: 'U', username: 'b', person_name: null, email: null }, timestamp: new Date().toISOString(), schema_version: 1 };
  const seconds = await timed(async () => {
    for (let i = 0; i < N; i++) {
      await store.appendToStream(`bench-${i}`, [{ eventId: randomUUID(), type: 'Bench', data: { i }, metadata }], 'no_stream');
    }
  });
  await store.close();
  return N / seconds;
}

async function start(env: Record<string, string>): Promise<{ app: INestApplication; url: string; token: string }> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')), PORT: '0', HOST: '127.0.0.1', PROCESSING_RUN_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '10000000', JWT_SECRET: 'benchmark-secret-benchmark-secret-0123', ...env });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const login = await fetch(`${url}${BASE}/authentication/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'operator', password: 'operator', organisation: 'DEMO' }),
  });
  return { app, url, token: ((await login.json()) as { data: { token: string } }).data.token };
}

async function createMany(url: string, token: string, count: number, concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const response = await fetch(`${url}${BASE}/conax_web_services/provisioning_requests/create_pairing`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ smartcard_set: [{ smartcard_ca_id: `${1e10 + next}` }], stb_set: [{ stb_ca_id: `${2e10 + next}` }] }),
        });
        const body = (await response.json()) as { data: { id: string } };
        ids.push(body.data.id);
      }
    }),
  );
  return ids;
}

async function pipeline(env: Record<string, string>): Promise<{ createPerSecond: number; endToEndPerSecond: number }> {
  const { app, url, token } = await start(env);
  try {
    let ids: string[] = [];
    const createSeconds = await timed(async () => {
      ids = await createMany(url, token, N, 8);
    });
    const endToEndSeconds = await timed(async () => {
      await app.get(ProcessingRun).tick();
      for (;;) {
        const response = await fetch(`${url}${BASE}/conax_web_services/provisioning_requests/list?life_cycle_state=PENDING&number_of_results=1`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        if (((await response.json()) as { data: unknown[] }).data.length === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    return { createPerSecond: ids.length / createSeconds, endToEndPerSecond: N / endToEndSeconds };
  } finally {
    await app.close();
  }
}

/** Resident memory and heap of the service, from its own Prometheus metrics. */
async function memoryOf(url: string): Promise<{ rssMb: number; heapMb: number; heapTotalMb: number; externalMb: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
  return {
    rssMb: metric('process_resident_memory_bytes'),
    heapMb: metric('nodejs_heap_size_used_bytes'),
    heapTotalMb: metric('nodejs_heap_size_total_bytes'),
    externalMb: metric('nodejs_external_memory_bytes'),
  };
}

/** The service's requests to the Kafka broker so far, by API (its `conax_broker_requests` metric). */
async function brokerRequestsOf(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return new Map([...text.matchAll(/^conax_broker_requests\{api="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

/**
 * The environment variables and V8 flags `npm start` runs the service with, read from its script in
 * package.json (`npm run build && NAME=value … node --flag … dist/main.js`), so that the figures are the
 * embedded default's as a user starts it.
 */
function npmStartProfile(): { env: Record<string, string>; nodeFlags: string[] } {
  const scripts = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts as Record<string, string>;
  const words = scripts.start.split('&&').pop()!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, value] = words.shift()!.split('=');
    env[name] = value;
  }
  return { env, nodeFlags: words.slice(1, words.indexOf('dist/main.js')) };
}
const NPM_START = npmStartProfile();
/** SOAK_NODE_FLAGS replaces the V8 flags, for comparisons (the environment stays `npm start`'s). */
const SERVICE_NODE_FLAGS = process.env.SOAK_NODE_FLAGS === undefined ? NPM_START.nodeFlags : process.env.SOAK_NODE_FLAGS.split(' ').filter(Boolean);

/**
 * `npm run bench -- soak`: the embedded default as its own process (dist/main.js), SOAK_REQUESTS (default
 * 20,000) creates of full size (MAX_SET_SIZE smartcards and STBs each) from 16 clients while the processing
 * run sends them, then SOAK_IDLE_SECONDS (default 30) idle. Prints resident memory and heap before, after
 * the load, and through the idle time (the target: at most 250 MB resident after the soak, not rising idle).
 */
async function soak(): Promise<void> {
  const requests = Number(process.env.SOAK_REQUESTS ?? 20_000);
  const idleSeconds = Number(process.env.SOAK_IDLE_SECONDS ?? 30);
  const setSize = 100;
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  // The service runs with the V8 flags `npm start` uses, so the figures are the embedded default's.
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, join(__dirname, '..', 'main.js')], {
    env: { ...process.env, ...NPM_START.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'soak-')), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000', PROCESSING_RUN_INTERVAL_MS: '1000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${url}/health/ready`).catch(() => null))?.ok) break;
      if (i > 600) throw new Error('the service did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const login = await fetch(`${url}${BASE}/authentication/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'operator', organisation: 'DEMO' }),
    });
    const token = ((await login.json()) as { data: { token: string } }).data.token;
    const rows: string[] = [];
    const sample = async (label: string) => {
      const m = await memoryOf(url);
      rows.push(`| ${label} | ${m.rssMb.toFixed(0)} MB | ${m.heapMb.toFixed(0)} MB | ${m.heapTotalMb.toFixed(0)} MB | ${m.externalMb.toFixed(0)} MB |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    };
    await sample('before');
    let next = 0;
    let failed = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < requests) {
          const n = (next += 1);
          const response = await fetch(`${url}${BASE}/conax_web_services/provisioning_requests/create_pairing`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body: JSON.stringify({
              process_immediately: n % 2 === 0,
              smartcard_set: Array.from({ length: setSize }, (_, i) => ({ smartcard_ca_id: `${1e10 + n * setSize + i}` })),
              stb_set: Array.from({ length: setSize }, (_, i) => ({ stb_ca_id: `${2e10 + n * setSize + i}` })),
            }),
          });
          if (!response.ok) failed += 1;
          await response.arrayBuffer();
          if (n % 5000 === 0) await sample(`after ${n} creates`);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await sample(`after the soak (${requests} creates in ${seconds.toFixed(0)} s, ${failed} failed)`);
    for (let s = 10; s <= idleSeconds; s += 10) {
      await new Promise((r) => setTimeout(r, 10_000));
      await sample(`idle ${s} s`);
    }
    process.stdout.write(`| moment | resident memory | heap used | heap total | external |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
  } finally {
    child.kill('SIGTERM');
  }
}

const HTTP_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const HTTP_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface LoadResult {
  perSecond: number;
  /** Requests answered in the whole run. */
  answered: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** autocannon against one POST route: HTTP_CONNECTIONS connections for HTTP_SECONDS, every body the same shape. */
async function load(url: string, body: (n: number) => string, connections = HTTP_CONNECTIONS): Promise<LoadResult> {
  let n = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: HTTP_SECONDS,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: body((n += 1)) }) }],
  });
  return { perSecond: result.requests.average, answered: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

/** Starts a built entry point as its own process on a free port and waits until `readyPath` answers. */
async function startProcess(script: string, env: Record<string, string>, readyPath: string, nodeFlags: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [...nodeFlags, join(__dirname, '..', script)], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const response = await fetch(`${url}${readyPath}`).catch(() => null);
    if (response?.ok) break;
    if (i > 600) throw new Error(`${script} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const pairingBody = (token: string, n: number, processImmediately = false) =>
  JSON.stringify({ token, process_immediately: processImmediately, smartcard_set: [{ smartcard_ca_id: `${1e10 + n}` }], stb_set: [{ stb_ca_id: `${2e10 + n}` }] });

/**
 * Rebuild of the read model from the events a load left in DATA_DIR, measured as an operator runs it:
 * `read-model rebuild` as its own process, from spawn to exit (start included). Against plain batched
 * inserts of the same rows (500 per statement, one transaction) into a fresh table with the same indexes,
 * in this process, with no start to pay: the floor a rebuild can reach.
 */
async function rebuildBenchmark(dataDir: string): Promise<{ eventsPerSecond: number; insertsPerSecond: number; events: number }> {
  let events = 0;
  const rebuildSeconds = await timed(async () => {
    const child = spawn(process.execPath, [join(__dirname, 'read-model.js'), 'rebuild'], { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`read-model rebuild exited with ${code}`);
    events = Number(/from (\d+) events/.exec(output)?.[1] ?? NaN);
  });
  return { eventsPerSecond: events / rebuildSeconds, insertsPerSecond: await plainInsertsPerSecond(dataDir), events };
}

/**
 * The floor for writing what a DATA_DIR's request view holds: its rows inserted again, 500 per statement in one
 * transaction, into a fresh table with the same indexes, in this process, with no start to pay.
 */
async function plainInsertsPerSecond(dataDir: string): Promise<number> {
  const storage = await openStorage(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  try {
    const rows = await storage.db.selectFrom('provisioning_requests').selectAll().execute();
    const table = `bench_inserts_${Date.now()}`;
    await createRequestViewTable(storage.db, table, table);
    const insertSeconds = await timed(async () => {
      await storage.db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 500) await trx.insertInto(table as 'provisioning_requests').values(rows.slice(i, i + 500)).execute();
      });
    });
    return rows.length / insertSeconds;
  } finally {
    await storage.close();
  }
}

/**
 * `npm run bench -- batch`: a BATCH_ITEMS-item (default 20,000) CREATE_PAIRING batch on the embedded default as
 * `npm start` runs it (its own process, its V8 flags), from the upload's first byte until the batch is DONE (every
 * request stored), polled every 20 ms. Against plain batched inserts of as many request-view rows (those it
 * wrote) in the same run. BATCH_RUNS (default 3) runs, each on a fresh DATA_DIR.
 */
async function batchBenchmark(): Promise<string[]> {
  const items = Number(process.env.BATCH_ITEMS ?? 20_000);
  const rows: string[] = [];
  for (let run = 1; run <= Number(process.env.BATCH_RUNS ?? 3); run++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-batch-'));
    const service = await startProcess('main.js', { ...NPM_START.env, DATA_DIR: dataDir, PROCESSING_RUN_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '10000000' }, '/health/ready', SERVICE_NODE_FLAGS);
    let answeredSeconds = 0;
    let seconds = 0;
    try {
      const login = await fetch(`${service.url}${BASE}/authentication/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'operator', password: 'operator', organisation: 'DEMO' }),
      });
      const auth = { Authorization: `Bearer ${((await login.json()) as { data: { token: string } }).data.token}` };
      const body = JSON.stringify(Array.from({ length: items }, (_, n) => ({ smartcard_set: [{ smartcard_ca_id: `${1e10 + n}` }], stb_set: [{ stb_ca_id: `${2e10 + n}` }] })));
      const started = process.hrtime.bigint();
      const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
      const submitted = await fetch(`${service.url}${BASE}/conax_web_services/provisioning_requests/batches?type=CREATE_PAIRING`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body });
      const id = ((await submitted.json()) as { data: { id: string } }).data.id;
      answeredSeconds = elapsed();
      for (;;) {
        const shown = await fetch(`${service.url}${BASE}/conax_web_services/provisioning_requests/batches/show?batch_identifier=id=${id}`, { headers: auth });
        const batch = ((await shown.json()) as { data: { state: string; created: number } }).data;
        if (batch.state === 'DONE') {
          if (batch.created !== items) throw new Error(`the batch created ${batch.created} of ${items}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      seconds = elapsed();
    } finally {
      await stopProcess(service.child);
    }
    const inserts = await plainInsertsPerSecond(dataDir);
    rows.push(`| ${run} | ${(answeredSeconds * 1000).toFixed(0)} ms | ${seconds.toFixed(2)} s | ${(items / seconds).toFixed(0)} items/s | ${inserts.toFixed(0)} rows/s | ${(items / seconds / inserts).toFixed(2)} |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  return [
    `${items}-item CREATE_PAIRING batch, embedded default as \`npm start\` runs it`,
    '',
    '| run | upload answered | upload → DONE | batch | plain batched inserts of its view rows (same run) | ratio |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
}

/**
 * Issue 9's measurement: the bare Nest-Fastify POST, the edge alone (issue 22), then create_pairing (token
 * in the body, one smartcard and one STB, processing run idle) on each profile, each loaded the same way, as
 * separate processes; the service's resident memory after its load.
 */
async function httpBenchmark(): Promise<string[]> {
  const bare = await startProcess('cli/bench-bare-app.js', {}, '/health/live');
  const baseline = await load(`${bare.url}/bare`, (n) => pairingBody('x', n));
  await stopProcess(bare.child);
  const row = (name: string, r: LoadResult, extra = '') =>
    `| ${name} | ${r.perSecond.toFixed(0)}/s | ${(r.perSecond / baseline.perSecond).toFixed(2)} | ${r.p50} ms | ${r.p99} ms | ${r.non2xx + r.errors} |${extra}`;
  const rows = [row('bare Nest-Fastify POST (baseline)', baseline, ' |')];
  type Profile = [string, Record<string, string>, { processImmediately?: boolean; connections?: number; script?: string }?];
  const profiles: Profile[] = [
    ['the edge alone: create_pairing through token, rate limit, validation, logging and envelope, nothing stored', { DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')) }, { script: 'cli/bench-edge-app.js' }],
    ['create_pairing, embedded (SQLite, in-process bus)', { DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')) }],
  ];
  if (process.env.KAFKA_BROKERS) {
    const suffix = Date.now();
    profiles.push([
      'create_pairing with process_immediately, SQLite + real Kafka + simulator, 8 clients (end to end)',
      { BUS: 'kafka', KAFKA_BROKERS: process.env.KAFKA_BROKERS, DISPATCH_TOPIC: `bench.${suffix}.dispatch`, OUTCOME_TOPIC: `bench.${suffix}.outcomes`, EVENTS_TOPIC: `bench.${suffix}.events`, DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')) },
      { processImmediately: true, connections: 8 },
    ]);
  }
  if (process.env.BENCH_DATABASE_URL) {
    profiles.push(['create_pairing, PostgreSQL', { EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: process.env.BENCH_DATABASE_URL, DATABASE_SCHEMA: `bench_${Date.now()}`, DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')) }]);
  }
  const rebuilt: string[] = [];
  const brokerLines: string[] = [];
  for (const [name, env, options = {}] of profiles) {
    const service = await startProcess(options.script ?? 'main.js', { ...NPM_START.env, RATE_LIMIT_PER_MINUTE: '10000000', PROCESSING_RUN_INTERVAL_MS: '3600000', ...env, ...JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') }, '/health/ready', SERVICE_NODE_FLAGS);
    try {
      const login = await fetch(`${service.url}${BASE}/authentication/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'operator', password: 'operator', organisation: 'DEMO' }),
      });
      const token = ((await login.json()) as { data: { token: string } }).data.token;
      const brokerBefore = await brokerRequestsOf(service.url);
      const result = await load(
        `${service.url}${BASE}/conax_web_services/provisioning_requests/create_pairing`,
        (n) => pairingBody(token, n, options.processImmediately),
        options.connections,
      );
      const memory = await memoryOf(service.url);
      rows.push(row(name, result, ` ${memory.rssMb.toFixed(0)} MB |`));
      if (env.BUS === 'kafka') {
        const sent = [...(await brokerRequestsOf(service.url))].map(([api, count]) => [api, count - (brokerBefore.get(api) ?? 0)] as const).filter(([, count]) => count > 0);
        const perCreate = (count: number) => (count / result.answered).toFixed(2);
        const total = sent.reduce((sum, [, count]) => sum + count, 0);
        brokerLines.push(
          `Kafka requests per process_immediately create: ${perCreate(total)} (${sent.sort((a, b) => b[1] - a[1]).map(([api, count]) => `${api} ${perCreate(count)}`).join(', ')})`,
        );
      }
    } finally {
      await stopProcess(service.child);
    }
    if (!env.DATABASE_SCHEMA && !env.BUS && !options.script) {
      const rebuild = await rebuildBenchmark(env.DATA_DIR);
      rebuilt.push(
        `| \`read-model rebuild\` as a process, start included (${rebuild.events} events, embedded) | ${rebuild.eventsPerSecond.toFixed(0)} events/s | plain batched inserts of the same rows: ${rebuild.insertsPerSecond.toFixed(0)} rows/s | ${(rebuild.eventsPerSecond / rebuild.insertsPerSecond).toFixed(2)} |`,
      );
    }
    if (env.DATABASE_SCHEMA) {
      const pool = new Pool({ connectionString: env.DATABASE_URL, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${env.DATABASE_SCHEMA} CASCADE`);
      await pool.end();
    }
  }
  return [
    `${HTTP_CONNECTIONS} connections, ${HTTP_SECONDS} s each (autocannon)`,
    '',
    '| measurement | req/s | ratio to bare | p50 | p99 | non-2xx or errors | resident memory after |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...brokerLines,
    ...(brokerLines.length ? [''] : []),
    '| measurement | rate | baseline (same run) | ratio |',
    '|---|---|---|---|',
    ...rebuilt,
  ];
}

async function main(): Promise<void> {
  if (process.argv[2] === 'soak') return soak();
  if (process.argv[2] === 'batch') {
    process.stdout.write(`${(await batchBenchmark()).join('\n')}\n`);
    return;
  }
  if (process.argv[2] === 'http') {
    process.stdout.write(`${(await httpBenchmark()).join('\n')}\n`);
    return;
  }
  const baseline = await baselineAppends();
  const rows: string[] = [`| baseline: raw SQLite appends (1 event, new stream each) | ${baseline.toFixed(0)}/s | 1.00 |`];
  const runs: Array<[string, Record<string, string>]> = [['embedded (SQLite, in-process bus, simulator)', {}]];
  if (process.env.KAFKA_BROKERS) runs.push(['SQLite + real Kafka', { BUS: 'kafka', KAFKA_BROKERS: process.env.KAFKA_BROKERS, DISPATCH_TOPIC: `bench.${Date.now()}.dispatch`, OUTCOME_TOPIC: `bench.${Date.now()}.outcomes`, EVENTS_TOPIC: `bench.${Date.now()}.events` }]);
  if (process.env.BENCH_DATABASE_URL) {
    const schema = `bench_${Date.now()}`;
    runs.push(['PostgreSQL event store + read model, in-process bus', { EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: process.env.BENCH_DATABASE_URL, DATABASE_SCHEMA: schema }]);
  }
  for (const [name, env] of runs) {
    const result = await pipeline(env);
    if (env.DATABASE_SCHEMA) {
      const pool = new Pool({ connectionString: env.DATABASE_URL, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${env.DATABASE_SCHEMA} CASCADE`);
      await pool.end();
    }
    rows.push(`| ${name}: create_pairing over HTTP, 8 concurrent clients | ${result.createPerSecond.toFixed(0)}/s | ${(result.createPerSecond / baseline).toFixed(2)} |`);
    rows.push(`| ${name}: one processing run, created → COMPLETED | ${result.endToEndPerSecond.toFixed(0)}/s | ${(result.endToEndPerSecond / baseline).toFixed(2)} |`);
  }
  process.stdout.write(`requests per measurement: ${N}\n\n| measurement | rate | ratio to baseline |\n|---|---|---|\n${rows.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
