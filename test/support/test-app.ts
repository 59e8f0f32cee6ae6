import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/infrastructure/config/app-config';
import { OpenApiConformance } from './openapi-conformance';

export const BASE = '/crmapi/rest/v2';
export const ROUTES = {
  token: `${BASE}/authentication/token`,
  release: `${BASE}/authentication/token/release`,
  create: `${BASE}/conax_web_services/provisioning_requests/create_pairing`,
  addSubscriptions: `${BASE}/conax_web_services/provisioning_requests/add_subscriptions`,
  cancelSubscriptions: `${BASE}/conax_web_services/provisioning_requests/cancel_subscriptions`,
  show: `${BASE}/conax_web_services/provisioning_requests/show`,
  list: `${BASE}/conax_web_services/provisioning_requests/list`,
  history: `${BASE}/conax_web_services/provisioning_requests/history`,
  operationsStatus: `${BASE}/operations/status`,
  operationsCharts: `${BASE}/operations/charts`,
  parked: `${BASE}/operations/parked`,
  redrive: `${BASE}/operations/parked/redrive`,
  discard: `${BASE}/operations/parked/discard`,
  actions: `${BASE}/operations/actions`,
};

export const TEST_USERS = JSON.stringify([
  { username: 'alice', password: 'wonderland', organisation: 'ACME', person_name: 'Alice Liddell', email: 'alice@example.test' },
  { username: 'bob', password: 'builder', organisation: 'ACME' },
  { username: 'mallory', password: 'mallory-pw', organisation: 'GLOBEX', person_name: 'Mallory', email: 'mallory@globex.test' },
  { username: 'olivia', password: 'on-call', organisation: 'ACME', person_name: 'Olivia Ops', roles: ['operations'] },
]);

const TEST_PASSWORDS: Record<string, string> = { alice: 'wonderland', bob: 'builder', mallory: 'mallory-pw', olivia: 'on-call' };

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'conax-int-'));
}

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  dataDir: string;
  login(username?: string, password?: string, organisation?: string): Promise<string>;
  conformance: OpenApiConformance;
  close(): Promise<void>;
}

/** The whole service on its embedded adapters, in this process, on a temporary (or given) DATA_DIR. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? tempDataDir();
  const config = loadConfig({
    AUTH_USERS: TEST_USERS,
    JWT_SECRET: 'integration-test-secret-integration-test-secret',
    LOG_LEVEL: 'silent',
    ...env,
    DATA_DIR: dataDir,
  });
  const app = await createApp(config);
  // Every answer a test receives is checked against the service's own OpenAPI document; the suite fails
  // at close when one did not conform (a route, a status or a body the document does not declare).
  const conformance = new OpenApiConformance((await request(app.getHttpServer()).get('/docs-json')).body);
  const http = checkedAgainst(request(app.getHttpServer()), conformance);
  return {
    app,
    http,
    dataDir,
    async login(username = 'alice', password = TEST_PASSWORDS[username], organisation = username === 'mallory' ? 'GLOBEX' : 'ACME') {
      const response = await http.post(ROUTES.token).send({ username, password, organisation });
      if (response.status !== 200) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
      return response.body.data.token as string;
    },
    conformance,
    async close() {
      await app.close();
      if (conformance.violations.length) throw new Error(`Answers that do not conform to /docs-json:\n${conformance.violations.join('\n')}`);
    },
  };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** The supertest agent, with every request's answer recorded by `conformance`. */
function checkedAgainst(agent: ReturnType<typeof request>, conformance: OpenApiConformance): ReturnType<typeof request> {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property)) return value;
      return (url: string) => {
        const test = (value as (url: string) => request.Test).call(target, url);
        test.on('response', (response: { status: number; body: unknown; text?: string }) => {
          conformance.record(property, url, response.status, response.body);
        });
        return test;
      };
    },
  });
}

export const pairingBody = (overrides: Record<string, unknown> = {}) => ({
  smartcard_set: [{ smartcard_ca_id: '01900080207' }],
  stb_set: [{ stb_ca_id: '4500012345' }],
  ...overrides,
});
