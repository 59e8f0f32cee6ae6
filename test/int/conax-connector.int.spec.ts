import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SqlRequestKeys } from '../../src/infrastructure/sql/sql-request-keys';
import { ProviderGate } from '../../src/application/ports/provider-gate.port';
import { EFFECTIVE_FROM_THE_START } from '../../src/domain/conax-provider/conax-provider.decider';
import { ConaxConnector } from '../../src/application/connector/conax-connector';
import { DISPATCH_SCHEMA, DispatchMessage } from '../../src/application/processing/messages';
import { InMemoryBus } from '../../src/infrastructure/bus/in-memory-bus';
import { RunningSimulator, startConaxSimulator } from '../../src/infrastructure/conax-simulator/conax-simulator';
import { SoapConaxClient } from '../../src/infrastructure/conax/soap-conax-client';
import { openSqliteDatabase } from '../../src/infrastructure/sqlite/sqlite-database';
import { SqlConnectorLedger } from '../../src/infrastructure/sql/sql-connector-ledger';
import { createPairingPayload, renderPayload } from '../../src/infrastructure/conax/conax-messages';
import { tempDataDir } from '../support/test-app';

/**
 * The connector's promises with a real simulator and a real SQLite ledger: two connectors never both call
 * Conax for one request; a claim left by a dead connector is resolved by asking Conax first; a send is called
 * however long it waited in the queue; a send whose calls all fail is reported unanswered and its claim released.
 */
describe('Conax connector: claims, pairing status and unanswered sends', () => {
  let simulator: RunningSimulator;
  const topics = { dispatch: 'd', outcomes: 'o' };
  const retry = { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 };
  let n = 0;

  let keys: SqlRequestKeys;
  /** A provider never switched off (the hold while it is NOT_EFFECTIVE is held by test/int/conax-provider.int.spec.ts). */
  const alwaysEffective: ProviderGate = { mirror: async () => undefined, status: async () => EFFECTIVE_FROM_THE_START };

  beforeAll(async () => {
    keys = new SqlRequestKeys(await openSqliteDatabase(join(tempDataDir(), 'keys.sqlite')), randomBytes(32));
    simulator = await startConaxSimulator({ port: 0, host: '127.0.0.1', username: 'u', password: 'p', latencyMs: 0, transientFailureRate: 0, sessionTtlMs: 60_000, callLogSize: 1000 });
  });
  afterAll(() => simulator.close());

  const client = () => new SoapConaxClient({ url: simulator.url, username: 'u', password: 'p', encoding: 'UTF-8', callTimeoutMs: 2000 });
  const connector = (ledger: SqlConnectorLedger, owner: string, bus = new InMemoryBus(retry)) =>
    new ConaxConnector(bus, client(), ledger, keys, alwaysEffective, topics, { now: () => new Date() }, retry, { owner, worstCaseMs: 60_000 });

  function dispatch(dispatchedAt = new Date()): DispatchMessage {
    n += 1;
    const id = `REQ${Date.now()}${n}`.padEnd(32, '0').slice(0, 32);
    const card = String(3e10 + Date.now() % 1e6 * 10 + n);
    const stb = String(4e10 + n);
    const request = createPairingPayload(
      { request_id: id, smartcards: [{ id: 'S', smartcard_ca_id: card }], stbs: [{ id: 'B', stb_ca_id: stb }] } as never,
      String(n),
    );
    return {
      schema: DISPATCH_SCHEMA, request_id: id, attempt: 1, sequence_number: String(n), operation: 'CreatePairing', request,
      dispatched_at: dispatchedAt.toISOString(), smartcard_ca_ids: [card], stb_ca_ids: [stb],
      service_ca_id: null,
    };
  }
  const message = (d: DispatchMessage) => ({ key: d.request_id, value: JSON.stringify(d), headers: {} });
  const pairingCalls = (id: string) => simulator.calls().filter((c) => c.operation === 'CreatePairing' && c.request_id === id).length;

  it('a second connector leaves a request alone while another one holds a fresh claim', async () => {
    const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
    const d = dispatch();
    expect(await ledger.claim(d.request_id, 'connector-a', new Date(), new Date(Date.now() + 60_000))).toBe('new'); // a is calling right now
    await connector(ledger, 'connector-b').handle(message(d));
    expect(pairingCalls(d.request_id)).toBe(0);
    expect(await ledger.find(d.request_id)).toBeNull();
  });

  it('resolves a dead connector’s claim by asking Conax: a pairing already made is the outcome, with no second pairing', async () => {
    const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
    const d = dispatch();
    // Connector a claimed and paired at Conax, then died before writing its outcome; its dispatch's deadline has passed.
    await ledger.claim(d.request_id, 'connector-a', new Date(Date.now() - 120_000), new Date(Date.now() - 60_000));
    expect(await client().call('CreatePairing', d.request)).toMatchObject({ kind: 'accepted' });
    const bus = new InMemoryBus(retry);
    const outcomes: string[] = [];
    await bus.consume({ topic: 'o', groupId: 'g', handler: async (m) => void outcomes.push(m.value) });
    await connector(ledger, 'connector-b', bus).handle(message(d));
    expect(pairingCalls(d.request_id)).toBe(1); // only a's
    expect(await ledger.find(d.request_id)).toMatchObject({ result: 'accepted' });
    await new Promise((r) => setTimeout(r, 20));
    expect(outcomes.map((o) => JSON.parse(o).result)).toEqual(['accepted']);
  });

  it('pairs after a dead connector’s claim when Conax shows no pairing', async () => {
    const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
    const d = dispatch();
    await ledger.claim(d.request_id, 'connector-a', new Date(Date.now() - 120_000), new Date(Date.now() - 60_000));
    await connector(ledger, 'connector-b').handle(message(d));
    expect(pairingCalls(d.request_id)).toBe(1);
    expect(simulator.calls().some((c) => c.operation === 'GetPairingStatusForCard')).toBe(true);
  });

  it('calls Conax for a send however long it waited in the queue (deadlines bound a call, not a queue)', async () => {
    const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
    const d = dispatch(new Date(Date.now() - 3_600_000));
    await connector(ledger, 'connector-a').handle(message(d));
    expect(pairingCalls(d.request_id)).toBe(1);
    expect(await ledger.find(d.request_id)).toMatchObject({ result: 'accepted' });
  });

  it('reports a send whose every call failed as unanswered, keeps no outcome, and lets the next send ask Conax first', async () => {
    const failing = await startConaxSimulator({ port: 0, host: '127.0.0.1', username: 'u', password: 'p', latencyMs: 0, transientFailureRate: 1, sessionTtlMs: 60_000, callLogSize: 1000 });
    try {
      const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
      const bus = new InMemoryBus(retry);
      const outcomes: string[] = [];
      await bus.consume({ topic: 'o', groupId: 'g', handler: async (m) => void outcomes.push(m.value) });
      const failingClient = new SoapConaxClient({ url: failing.url, username: 'u', password: 'p', encoding: 'UTF-8', callTimeoutMs: 2000 });
      const d = dispatch();
      await new ConaxConnector(bus, failingClient, ledger, keys, alwaysEffective, topics, { now: () => new Date() }, retry, { owner: 'connector-a', worstCaseMs: 60_000 }).handle(message(d));
      await new Promise((r) => setTimeout(r, 20));
      expect(outcomes.map((o) => JSON.parse(o))).toEqual([expect.objectContaining({ request_id: d.request_id, attempt: 1, result: 'unanswered', reason: expect.any(String) })]);
      expect(await ledger.find(d.request_id)).toBeNull();
      // Released: another connector takes the next send at once, and asks Conax before pairing.
      const statusQueries = () => simulator.calls().filter((c) => c.operation === 'GetPairingStatusForCard').length;
      const before = statusQueries();
      await connector(ledger, 'connector-b').handle(message({ ...d, attempt: 2 }));
      expect(pairingCalls(d.request_id)).toBe(1);
      expect(statusQueries()).toBe(before + 1);
    } finally {
      await failing.close();
    }
  });

  function subscriptionDispatch(operation: 'AddSubscription' | 'CancelSubscription', card: string, service: string): DispatchMessage {
    n += 1;
    const id = `SUB${Date.now()}${n}`.padEnd(32, '0').slice(0, 32);
    const request = renderPayload({ operation, smartcardCaIds: [card], stbCaIds: [], serviceCaId: service, startDate: '2026-12-01' }, id, String(n));
    return {
      schema: DISPATCH_SCHEMA, request_id: id, attempt: 1, sequence_number: String(n), operation, request,
      dispatched_at: new Date().toISOString(), smartcard_ca_ids: [card], stb_ca_ids: [],
      service_ca_id: service,
    };
  }
  const callsOf = (id: string) => simulator.calls().filter((c) => c.request_id === id).map((c) => `${c.operation}:${c.outcome}`);

  it('resolves a dead connector’s claim on a cancel by asking Conax: a cancel already made is the outcome, not SUBSCRIPTION_NOT_ACTIVE', async () => {
    const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
    const card = String(5e10 + n);
    const add = subscriptionDispatch('AddSubscription', card, '801');
    await connector(ledger, 'connector-a').handle(message(add));
    expect(await ledger.find(add.request_id)).toMatchObject({ result: 'accepted' });
    const cancel = subscriptionDispatch('CancelSubscription', card, '801');
    // Connector a claimed the cancel and carried it out at Conax, then died before writing its outcome.
    await ledger.claim(cancel.request_id, 'connector-a', new Date(Date.now() - 120_000), new Date(Date.now() - 60_000));
    expect(await client().call('CancelSubscription', cancel.request)).toMatchObject({ kind: 'accepted' });
    await connector(ledger, 'connector-b').handle(message(cancel));
    expect(callsOf(cancel.request_id)).toEqual(['CancelSubscription:ok']); // only a's
    expect(await ledger.find(cancel.request_id)).toMatchObject({ result: 'accepted' });
  });

  it('calls again after a dead connector’s claim on an add when Conax shows the service inactive', async () => {
    const ledger = new SqlConnectorLedger(await openSqliteDatabase(join(tempDataDir(), 'ledger.sqlite')));
    const add = subscriptionDispatch('AddSubscription', String(6e10 + n), '802');
    await ledger.claim(add.request_id, 'connector-a', new Date(Date.now() - 120_000), new Date(Date.now() - 60_000));
    await connector(ledger, 'connector-b').handle(message(add));
    expect(callsOf(add.request_id)).toEqual(['AddSubscription:ok']);
    expect(simulator.calls().some((c) => c.operation === 'GetActiveSubscriptionsForCard')).toBe(true);
  });
});
