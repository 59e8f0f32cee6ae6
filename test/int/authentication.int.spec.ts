import jwt from 'jsonwebtoken';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { hashPassword } from '../../src/infrastructure/http/auth/password-hash';
import { ConfigError, loadConfig } from '../../src/infrastructure/config/app-config';

describe('authentication (SPEC §2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TOKEN_TTL_SECONDS: '60' });
  });
  afterAll(() => t.close());

  const expectUnauthorized = (response: { status: number; body: any }) => {
    expect(response.status).toBe(401);
    expect(response.body.status.code).toBe('UNAUTHORIZED');
    expect(response.body.data).toBeNull();
  };

  it('issues a JWT for valid credentials that works in the body, the query and the Authorization header', async () => {
    const token = await t.login();
    expect(token.split('.')).toHaveLength(3);
    const claims = jwt.decode(token) as jwt.JwtPayload;
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect((await t.http.post(ROUTES.create).send(pairingBody({ token }))).status).toBe(200);
    expect((await t.http.get(ROUTES.list).query({ token })).status).toBe(200);
    expect((await t.http.get(ROUTES.list).set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('checks the token before the body: without one, a create is 401 whether its body is valid or not', async () => {
    // The create bodies' compiled checks run in the validation pipe, after the guards (Fastify route schemas would not).
    expectUnauthorized(await t.http.post(ROUTES.create).send(pairingBody()));
    expectUnauthorized(await t.http.post(ROUTES.create).send({ smartcard_set: 'not a set', colour: 'blue' }));
    expectUnauthorized(await t.http.post(ROUTES.create).send({ ...pairingBody(), token: 'not.a.token' }));
  });

  it('refuses wrong password, unknown user, wrong organisation', async () => {
    expectUnauthorized(await t.http.post(ROUTES.token).send({ username: 'alice', password: 'nope', organisation: 'ACME' }));
    expectUnauthorized(await t.http.post(ROUTES.token).send({ username: 'carol', password: 'x', organisation: 'ACME' }));
    expectUnauthorized(await t.http.post(ROUTES.token).send({ username: 'alice', password: 'wonderland', organisation: 'OTHER' }));
  });

  it('reports missing login members as MISSING_PARAMETER', async () => {
    const response = await t.http.post(ROUTES.token).send({ username: 'alice' });
    expect(response.status).toBe(400);
    expect(response.body.status.code).toBe('MISSING_PARAMETER');
    expect(response.body.status.description).toContain('password');
    expect(response.body.status.description).toContain('organisation');
  });

  it('refuses a missing, malformed, forged, alg:none and expired token', async () => {
    expectUnauthorized(await t.http.get(ROUTES.list));
    expectUnauthorized(await t.http.get(ROUTES.list).query({ token: 'not-a-jwt' }));
    const forged = jwt.sign({ username: 'alice', organisation: 'ACME' }, 'another-secret-another-secret-another', {
      subject: 'X',
      jwtid: 'j',
      issuer: 'conax-provisioning',
    });
    expectUnauthorized(await t.http.get(ROUTES.list).query({ token: forged }));
    const unsigned = jwt.sign({ username: 'alice', organisation: 'ACME', sub: 'X', jti: 'j', iss: 'conax-provisioning' }, '', {
      algorithm: 'none',
    });
    expectUnauthorized(await t.http.get(ROUTES.list).query({ token: unsigned }));
    const expired = jwt.sign(
      { username: 'alice', organisation: 'ACME', exp: Math.floor(Date.now() / 1000) - 10 },
      'integration-test-secret-integration-test-secret',
      { subject: 'X', jwtid: 'j2', issuer: 'conax-provisioning' },
    );
    const response = await t.http.get(ROUTES.list).query({ token: expired });
    expectUnauthorized(response);
    expect(response.body.status.message).toMatch(/expired/);
  });

  it('refuses a token once it expires, though it was accepted (and remembered as verified) before', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = jwt.sign(
      { username: 'alice', organisation: 'ACME', person_name: null, email: null, unit: null, exp: expiresAt },
      'integration-test-secret-integration-test-secret',
      { subject: 'X', jwtid: 'short-lived', issuer: 'conax-provisioning' },
    );
    expect((await t.http.get(ROUTES.list).query({ token })).status).toBe(200);
    expect((await t.http.get(ROUTES.list).query({ token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    const response = await t.http.get(ROUTES.list).query({ token });
    expectUnauthorized(response);
    expect(response.body.status.message).toMatch(/expired/);
  });

  it('releases a token: it stops working, other tokens keep working', async () => {
    const released = await t.login();
    const other = await t.login('bob');
    const response = await t.http.post(ROUTES.release).send({ token: released });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: { code: 'OK', message: null, description: null }, data: null });
    const after = await t.http.get(ROUTES.list).query({ token: released });
    expectUnauthorized(after);
    expect(after.body.status.message).toMatch(/released/);
    expect((await t.http.get(ROUTES.list).query({ token: other })).status).toBe(200);
  });

  it('keeps a released token released across a restart', async () => {
    const token = await t.login();
    await t.http.post(ROUTES.release).set('Authorization', `Bearer ${token}`).send({});
    await t.close();
    t = await startTestApp({ DATA_DIR: t.dataDir, TOKEN_TTL_SECONDS: '60' });
    expectUnauthorized(await t.http.get(ROUTES.list).query({ token }));
  });

  it('accepts users configured with a password hash', async () => {
    const hash = await hashPassword('s3cret');
    const other = await startTestApp({
      AUTH_USERS: JSON.stringify([{ username: 'hashed', password_hash: hash, organisation: 'ACME' }]),
    });
    try {
      const ok = await other.http.post(ROUTES.token).send({ username: 'hashed', password: 's3cret', organisation: 'ACME' });
      expect(ok.status).toBe(200);
      expectUnauthorized(await other.http.post(ROUTES.token).send({ username: 'hashed', password: 's3creT', organisation: 'ACME' }));
    } finally {
      await other.close();
    }
  });
});

describe('configuration (checked at boot)', () => {
  it('names every bad variable', () => {
    try {
      loadConfig({ PORT: 'abc', MAX_SET_SIZE: '0', SERVICE_TIME_ZONE: 'Mars/Base', AUTH_USERS: '[{"username":"x"}]' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).message;
      for (const name of ['PORT', 'MAX_SET_SIZE', 'SERVICE_TIME_ZONE', 'AUTH_USERS']) expect(text).toContain(name);
    }
  });

  it('requires AUTH_USERS in production (no default credentials there)', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_USERS is required/);
  });

  it('refuses any NODE_ENV but production, development and test (a typo never enables the development user)', () => {
    for (const value of ['prod', 'Production', 'staging', 'dev']) {
      expect(() => loadConfig({ NODE_ENV: value })).toThrow(/NODE_ENV must be production, development or test/);
    }
    for (const value of ['development', 'test', '']) expect(() => loadConfig({ NODE_ENV: value })).not.toThrow();
  });
});
