import { RequestDispatcher } from '../../src/application/processing/request-dispatcher';
import { systemContext } from '../../src/application/system-user';
import { PROVIDER_GATE, ProviderGate } from '../../src/application/ports/provider-gate.port';
import { BASE, ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';
import { runOnce, simulatorOf, waitForFinal } from '../support/processing';
import { sleep } from '../support/fault-harness';

const PROVIDER = `${BASE}/operations/provider`;

/**
 * SPEC §11 on the embedded default: an operator switches the Conax provider off and on; while it is
 * NOT_EFFECTIVE nothing reaches Conax (the processing run sends nothing, process_immediately answers at once
 * with the PENDING request, and a send already on its way is held by the connector), and once it is EFFECTIVE
 * again everything goes, in order. The switch is the operations role's and is recorded as an operator action.
 */
describe('the Conax provider switch', () => {
  let t: TestApp;
  let operator: string;
  let alice: string;
  const switchTo = (state: string, reason: string, token = operator) => t.http.post(PROVIDER).send({ token, state, reason });
  const conaxCallsFor = (id: string) => simulatorOf(t.app).calls().filter((call) => call.request_id === id);

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', PROCESS_IMMEDIATELY_WAIT_MS: '8000' });
    operator = await t.login('olivia');
    alice = await t.login('alice');
  });
  afterAll(() => t.close());

  it('is EFFECTIVE until switched, and only the operations role sees or switches it', async () => {
    expect((await t.http.get(PROVIDER).query({ token: operator })).body.data).toEqual({ state: 'EFFECTIVE', reason: null, since: null });
    expect((await t.http.get(PROVIDER).query({ token: alice })).status).toBe(403);
    expect((await switchTo('NOT_EFFECTIVE', 'maintenance', alice)).status).toBe(403);
    expect((await switchTo('PAUSED', 'maintenance')).body.status.code).toBe('INVALID_PARAMETER');
    expect((await switchTo('NOT_EFFECTIVE', '')).body.status.code).toBe('INVALID_PARAMETER');
    expect((await t.http.get(PROVIDER).query({ token: operator })).body.data.state).toBe('EFFECTIVE');
  });

  it('a mirror that missed a switch (the process died between the append and the mirror write) is written again by the next tick', async () => {
    const gate = t.app.get<ProviderGate>(PROVIDER_GATE);
    expect((await switchTo('NOT_EFFECTIVE', 'mirror test')).status).toBe(200);
    await gate.mirror({ state: 'EFFECTIVE', reason: null, since: null }); // what the connector would read after such a death
    await runOnce(t.app);
    expect(await gate.status()).toMatchObject({ state: 'NOT_EFFECTIVE', reason: 'mirror test' });
    expect((await switchTo('EFFECTIVE', 'mirror test over')).status).toBe(200);
    expect((await gate.status()).state).toBe('EFFECTIVE');
  });

  it('while NOT_EFFECTIVE sends nothing, holds what was on its way, and sends it all, in order, once EFFECTIVE again', async () => {
    // A request sent just before the switch: its dispatch message reaches the connector while the provider is off.
    const onItsWay = (await t.http.post(ROUTES.create).send({ token: alice, ...pairingBody({ smartcard_set: [{ smartcard_ca_id: '5100001' }] }) })).body.data.id as string;
    const switched = await switchTo('NOT_EFFECTIVE', 'Conax maintenance window');
    expect(switched.body.data).toEqual({ state: 'NOT_EFFECTIVE', reason: 'Conax maintenance window', since: expect.any(String) });
    await t.app.get(RequestDispatcher).dispatch(onItsWay, 'RUN-BEFORE-THE-SWITCH', systemContext('provider-test', null));

    const started = performance.now();
    const immediate = await t.http.post(ROUTES.create).send({ token: alice, process_immediately: true, ...pairingBody({ smartcard_set: [{ smartcard_ca_id: '5100002' }] }) });
    expect(immediate.body.data.life_cycle_state).toBe('PENDING');
    expect(performance.now() - started).toBeLessThan(3000); // answered at once, not after PROCESS_IMMEDIATELY_WAIT_MS
    const later = (await t.http.post(ROUTES.create).send({ token: alice, priority: 'EXPRESS', ...pairingBody({ smartcard_set: [{ smartcard_ca_id: '5100003' }] }) })).body.data.id as string;
    await runOnce(t.app);
    await sleep(1500); // long enough for the connector to have called, had it not held the send
    for (const id of [onItsWay, immediate.body.data.id, later]) expect({ id, calls: conaxCallsFor(id) }).toEqual({ id, calls: [] });
    const status = (await t.http.get(ROUTES.operationsStatus).query({ token: operator })).body.data;
    expect(status.processing_run.last_tick.result).toBe('provider not effective');
    // Switching to the state it is in changes nothing.
    expect((await switchTo('NOT_EFFECTIVE', 'still maintenance')).body.data.reason).toBe('Conax maintenance window');

    expect((await switchTo('EFFECTIVE', 'maintenance over')).body.data.state).toBe('EFFECTIVE');
    await runOnce(t.app);
    for (const id of [onItsWay, immediate.body.data.id, later]) expect((await waitForFinal(t, alice, id)).life_cycle_state).toBe('COMPLETED');
    // In the order the run sends: EXPRESS first, then by number; the held one went when the provider was back.
    const sent = simulatorOf(t.app).calls().filter((call) => call.operation === 'CreatePairing' && [immediate.body.data.id, later].includes(call.request_id as string)).map((call) => call.request_id);
    expect(sent).toEqual([later, immediate.body.data.id]);

    const actions = (await t.http.get(ROUTES.actions).query({ token: operator })).body.data as { type: string; data: { target: { state: string }; reason: string } }[];
    expect(actions.filter((action) => action.type === 'ConaxProviderSwitched').map((action) => [action.data.target.state, action.data.reason]).slice(0, 2)).toEqual([
      ['EFFECTIVE', 'maintenance over'],
      ['NOT_EFFECTIVE', 'Conax maintenance window'],
    ]);
  });
});
