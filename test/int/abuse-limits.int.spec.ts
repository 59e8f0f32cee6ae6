import { EVENT_STORE, EventStore } from '../../src/application/ports/event-store.port';
import { ROUTES, startTestApp, TestApp } from '../support/test-app';

const login = (t: TestApp, username: string, password: string, forwardedFor?: string) => {
  const call = t.http.post(ROUTES.token);
  if (forwardedFor) call.set('X-Forwarded-For', forwardedFor);
  return call.send({ username, password, organisation: 'ACME' });
};

describe('rate limits, proxies and probes', () => {
  it('throttles by the peer address when no proxy is trusted: X-Forwarded-For cannot dodge it', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await t.http.get(ROUTES.list).set('X-Forwarded-For', `10.0.0.${i}`)).status);
      expect(statuses.slice(3)).toEqual([429, 429]);
    } finally {
      await t.close();
    }
  });

  it('throttles by the forwarded client address behind a trusted proxy, and never throttles /health or /metrics', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await t.http.get(ROUTES.list).set('X-Forwarded-For', `10.0.0.${i}`)).status);
      expect(statuses).not.toContain(429);
      const sameClient = [];
      for (let i = 0; i < 5; i++) sameClient.push((await t.http.get(ROUTES.list).set('X-Forwarded-For', '10.9.9.9')).status);
      expect(sameClient.slice(3)).toEqual([429, 429]);
      for (let i = 0; i < 10; i++) {
        expect((await t.http.get('/health/live')).status).toBe(200);
        expect((await t.http.get('/metrics')).status).toBe(200);
      }
    } finally {
      await t.close();
    }
  });

  it('limits logins per username, whatever address they come from', async () => {
    const t = await startTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await login(t, 'alice', 'wrong', `10.1.0.${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const bob = await login(t, 'bob', 'builder', '10.1.0.1');
      expect(bob.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('an unknown user costs the same password hashing as a known one', async () => {
    const t = await startTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
    try {
      const { hashPassword } = await import('../../src/infrastructure/http/auth/password-hash');
      // The fixture users have plain passwords; give one a real hash through a second app.
      const hashed = await startTestApp({
        LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
        AUTH_USERS: JSON.stringify([{ username: 'carol', organisation: 'ACME', password_hash: await hashPassword('secret') }]),
      });
      try {
        const time = async (username: string) => {
          const started = process.hrtime.bigint();
          await login(hashed, username, 'wrong');
          return Number(process.hrtime.bigint() - started);
        };
        const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const known: number[] = [];
        const unknown: number[] = [];
        for (let i = 0; i < 7; i++) {
          known.push(await time('carol'));
          unknown.push(await time(`nobody-${i}`));
        }
        // Without the decoy an unknown user answered about 100× faster; as ratios, noise cannot fake this.
        expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
      } finally {
        await hashed.close();
      }
    } finally {
      await t.close();
    }
  });
});

describe('token hygiene and readiness answers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses a release whose header and body tokens disagree, and releases neither', async () => {
    const a = await t.login();
    const b = await t.login('bob');
    const release = await t.http.post(ROUTES.release).set('Authorization', `Bearer ${a}`).send({ token: b });
    expect(release.status).toBe(400);
    expect(release.body.status.code).toBe('INVALID_PARAMETER');
    for (const token of [a, b]) expect((await t.http.get(ROUTES.list).query({ token })).status).toBe(200);
    const same = await t.http.post(ROUTES.release).set('Authorization', `Bearer ${a}`).send({ token: a });
    expect(same.status).toBe(200);
    expect((await t.http.get(ROUTES.list).query({ token: a })).status).toBe(401);
  });

  it('names a failing component in readiness without the driver’s host names or error text', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const spy = jest.spyOn(store, 'headPosition').mockRejectedValue(new Error('connect ECONNREFUSED db-primary.internal.example:5432'));
    try {
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status.code).toBe('UNAVAILABLE');
      expect(ready.body.status.description).toContain('event_store');
      expect(ready.text).not.toMatch(/ECONNREFUSED|internal\.example|5432/);
    } finally {
      spy.mockRestore();
    }
  });
});
