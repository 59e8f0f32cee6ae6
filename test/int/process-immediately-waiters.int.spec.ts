import { RequestViewReader } from '../../src/application/read-model/request-view.reader';
import { eventually } from '../support/processing';
import { ROUTES, pairingBody, startTestApp } from '../support/test-app';

/** process_immediately waits are bounded: capped in number and dropped when the caller goes away. */
describe('process_immediately waiters', () => {
  it('answers beyond the cap at once with the current state; the waiter within it gets the outcome', async () => {
    const t = await startTestApp({ PROCESS_IMMEDIATELY_MAX_WAITERS: '1', CONAX_SIMULATOR_LATENCY_MS: '1500' });
    try {
      const token = await t.login();
      const send = (ca: string) =>
        t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true, stb_set: [{ stb_ca_id: ca }] }) });
      const first = send('1001').then((response) => response); // supertest sends only once awaited
      expect(await eventually(() => t.app.get(RequestViewReader).waiters(), (n) => n === 1)).toBe(1);
      const started = Date.now();
      const [second, third] = await Promise.all([send('1002'), send('1003')]);
      expect(Date.now() - started).toBeLessThan(1200); // neither waited for Conax
      expect([second.status, third.status]).toEqual([200, 200]);
      expect([second.body.data.life_cycle_state, third.body.data.life_cycle_state]).toEqual(['PENDING', 'PENDING']);
      expect((await first).body.data.life_cycle_state).toBe('COMPLETED');
    } finally {
      await t.close();
    }
  });

  it('stops waiting when the client disconnects', async () => {
    const t = await startTestApp({ CONAX_SIMULATOR_LATENCY_MS: '4000' });
    try {
      const token = await t.login();
      const reader = t.app.get(RequestViewReader);
      const abandoned = t.http
        .post(ROUTES.create)
        .send({ token, ...pairingBody({ process_immediately: true }) })
        .timeout(500)
        .then(() => null, (error: Error) => error);
      expect(await eventually(() => reader.waiters(), (n) => n === 1)).toBe(1);
      expect(await abandoned).toBeInstanceOf(Error);
      const released = await eventually(() => reader.waiters(), (n) => n === 0, 2000);
      expect(released).toBe(0); // well before Conax's 4 s answer
    } finally {
      await t.close();
    }
  });
});
