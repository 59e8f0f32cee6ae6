import { randomUUID } from 'node:crypto';
import { Kysely } from 'kysely';
import { ProvisioningRequestView } from '../../src/application/ports/read-model.port';
import { ReadModelDatabase } from '../../src/infrastructure/sql/schema';
import { SqlConnectorLedger } from '../../src/infrastructure/sql/sql-connector-ledger';
import { LeaseLostError, SqlLeases } from '../../src/infrastructure/sql/sql-leases';
import { SqlCheckpoints } from '../../src/infrastructure/sql/sql-checkpoints';
import { SqlDispatchPublications } from '../../src/infrastructure/sql/sql-dispatch-publications';
import { SqlRequestViews } from '../../src/infrastructure/sql/sql-request-views';
import { SqlTokenRevocations } from '../../src/infrastructure/sql/sql-token-revocations';

/** The SQL adapters over one database, as an instance opens them (each its own leases, or none). */
function sqlAdapters(db: Kysely<ReadModelDatabase>, leases: SqlLeases | null = null) {
  const checkpoints = new SqlCheckpoints(db, leases);
  return { views: new SqlRequestViews(db, checkpoints), checkpoints, publications: new SqlDispatchPublications(db, checkpoints), revocations: new SqlTokenRevocations(db) };
}
type SqlAdapters = ReturnType<typeof sqlAdapters>;

const user = { id: 'U', username: 'u', person_name: null, email: null };

function view(id: string, number: number, overrides: Partial<ProvisioningRequestView> = {}, dueAt = '2026-01-01T00:00:00.000Z'): ProvisioningRequestView {
  return {
    id,
    number: String(number),
    type: 'CREATE_PAIRING',
    sequence_number: null,
    scheduled_date: null,
    executed_date: null,
    priority: 'REGULAR',
    process_immediately: false,
    life_cycle_state: 'PENDING',
    request: null,
    response: null,
    reference_number: null,
    error_code: null,
    error_description: null,
    process_name: 'MANUAL',
    process_id: null,
    subscription: null,
    log_information: { created_date: dueAt, created_by_user: user, updated_date: dueAt, updated_by_user: user },
    parameters_set: [],
    internal: { organisation: 'ACME', due_at: dueAt, scheduled_at: dueAt, requested_at: dueAt, last_dispatched_at: null, dispatch_attempts: 0 },
    ...overrides,
  };
}

/** The behaviour every SQL read-model database must show; each dialect's spec runs it. */
/** One event's change, as the projection applies a batch of one. */
const applyOne = (
  model: SqlAdapters,
  projection: string,
  position: bigint,
  requestId: string,
  revision: bigint,
  update: (current: ProvisioningRequestView | null) => ProvisioningRequestView | null,
) => model.views.applyEvents(projection, position, [{ requestId, revision, update }]);

export function readModelContract(dialect: 'sqlite' | 'postgres', open: () => Promise<Kysely<ReadModelDatabase>>): void {
  const name = dialect;
  describe(`read model contract: ${name}`, () => {
    let db: Kysely<ReadModelDatabase>;
    let model: SqlAdapters;
    let projection: string;
    let base: number;
    let position = 0n;
    const id = () => randomUUID().replace(/-/g, '').toUpperCase();
    const put = (v: ProvisioningRequestView, revision = 0n) =>
      applyOne(model, projection, (position += 1n), v.id, revision, () => v);

    beforeAll(async () => {
      db = await open();
      model = sqlAdapters(db);
      base = Math.floor(Math.random() * 1e9);
    });
    afterAll(() => db.destroy());
    beforeEach(() => {
      projection = `p_${randomUUID().slice(0, 8)}`;
    });

    it('writes the row and the checkpoint together and reads it by id and number', async () => {
      const v = view(id(), base + 1);
      await put(v);
      expect(await model.views.findById(v.id)).toEqual(v);
      expect(await model.views.findOwned({ id: v.id }, 'ACME')).toEqual(v);
      expect(await model.views.findOwned({ number: v.number }, 'ACME')).toEqual(v);
      expect(await model.checkpoints.checkpoint(projection)).toBe(position);
      expect(await model.views.findById('nope')).toBeNull();
    });

    it('shows a request only to its own organisation, by id, by number and in lists', async () => {
      const reference = `ref-${randomUUID()}`;
      const mine = view(id(), base + 5, { reference_number: reference });
      const theirs = view(id(), base + 6, { reference_number: reference, internal: { ...mine.internal, organisation: 'OTHER' } });
      for (const v of [mine, theirs]) await put(v);
      expect(await model.views.findOwned({ id: theirs.id }, 'ACME')).toBeNull();
      expect(await model.views.findOwned({ number: theirs.number }, 'ACME')).toBeNull();
      expect(await model.views.findOwned({ id: theirs.id }, 'OTHER')).toEqual(theirs);
      const listed = await model.views.list({ organisation: 'ACME', reference_number: reference }, { limit: 10, offset: 0 });
      expect(listed.map((v) => v.id)).toEqual([mine.id]);
      const theirList = await model.views.list({ organisation: 'OTHER', reference_number: reference }, { limit: 10, offset: 0 });
      expect(theirList.map((v) => v.id)).toEqual([theirs.id]);
    });

    it('ignores an event at or below the stored revision (redelivery changes nothing) but still moves the checkpoint', async () => {
      const v = view(id(), base + 2);
      await put(v, 3n);
      let called = false;
      await applyOne(model, projection, (position += 1n), v.id, 3n, () => {
        called = true;
        return { ...v, life_cycle_state: 'REJECTED' };
      });
      expect(called).toBe(false);
      expect((await model.views.findById(v.id))!.life_cycle_state).toBe('PENDING');
      expect(await model.checkpoints.checkpoint(projection)).toBe(position);
      await applyOne(model, projection, (position += 1n), v.id, 4n, (current: ProvisioningRequestView | null) => ({ ...current!, life_cycle_state: 'COMPLETED' }));
      expect((await model.views.findById(v.id))!.life_cycle_state).toBe('COMPLETED');
    });

    it('applies a batch in order, a request touched twice included, with the checkpoint of the last', async () => {
      const a = view(id(), base + 90);
      const b = view(id(), base + 91);
      await model.views.applyEvents(projection, (position += 3n), [
        { requestId: a.id, revision: 0n, update: () => a },
        { requestId: b.id, revision: 0n, update: () => b },
        { requestId: a.id, revision: 1n, update: (current) => ({ ...current!, life_cycle_state: 'COMPLETED' }) },
      ]);
      expect((await model.views.findById(a.id))!.life_cycle_state).toBe('COMPLETED');
      expect((await model.views.findById(b.id))!.life_cycle_state).toBe('PENDING');
      expect(await model.checkpoints.checkpoint(projection)).toBe(position);
      // One failing change rolls back the whole batch and its checkpoint.
      await expect(
        model.views.applyEvents(projection, position + 2n, [
          { requestId: b.id, revision: 1n, update: (current) => ({ ...current!, life_cycle_state: 'COMPLETED' }) },
          { requestId: a.id, revision: 2n, update: () => { throw new Error('boom'); } },
        ]),
      ).rejects.toThrow('boom');
      expect((await model.views.findById(b.id))!.life_cycle_state).toBe('PENDING');
      expect(await model.checkpoints.checkpoint(projection)).toBe(position);
    });

    it('applies a batch larger than one statement holds: new rows, updated rows and stale changes alike', async () => {
      const existing = Array.from({ length: 250 }, (_, i) => view(id(), base + 1000 + i));
      await model.views.applyEvents(projection, (position += 1n), existing.map((v) => ({ requestId: v.id, revision: 0n, update: () => v })));
      const fresh = Array.from({ length: 250 }, (_, i) => view(id(), base + 2000 + i));
      await model.views.applyEvents(projection, (position += 1n), [
        ...existing.map((v) => ({ requestId: v.id, revision: 1n, update: (current: ProvisioningRequestView | null) => ({ ...current!, life_cycle_state: 'COMPLETED' as const }) })),
        ...fresh.map((v) => ({ requestId: v.id, revision: 0n, update: () => v })),
        // At or below the stored revision: changes nothing.
        { requestId: existing[0].id, revision: 1n, update: (current: ProvisioningRequestView | null) => ({ ...current!, life_cycle_state: 'REJECTED' as const }) },
      ]);
      const states = await Promise.all([...existing, ...fresh].map(async (v) => (await model.views.findById(v.id))?.life_cycle_state));
      expect(states.slice(0, 250).every((state) => state === 'COMPLETED')).toBe(true);
      expect(states.slice(250).every((state) => state === 'PENDING')).toBe(true);
      expect(await model.checkpoints.checkpoint(projection)).toBe(position);
    });

    it('rolls the row back with the checkpoint when the update fails', async () => {
      const v = view(id(), base + 3);
      await put(v);
      const before = await model.checkpoints.checkpoint(projection);
      await expect(
        applyOne(model, projection, position + 1n, v.id, 1n, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await model.checkpoints.checkpoint(projection)).toBe(before);
    });

    it('lists by number descending with ANDed filters and paging', async () => {
      const reference = `ref-${randomUUID()}`;
      const a = view(id(), base + 10, { reference_number: reference, life_cycle_state: 'COMPLETED' });
      const b = view(id(), base + 11, { reference_number: reference, life_cycle_state: 'REJECTED' });
      const c = view(id(), base + 12, { reference_number: reference, life_cycle_state: 'COMPLETED' });
      for (const v of [a, b, c]) await put(v);
      const all = await model.views.list({ organisation: 'ACME', reference_number: reference }, { limit: 10, offset: 0 });
      expect(all.map((v) => v.id)).toEqual([c.id, b.id, a.id]);
      const completed = await model.views.list({ organisation: 'ACME', reference_number: reference, life_cycle_state: 'COMPLETED' }, { limit: 10, offset: 0 });
      expect(completed.map((v) => v.id)).toEqual([c.id, a.id]);
      expect((await model.views.list({ organisation: 'ACME', reference_number: reference }, { limit: 1, offset: 1 })).map((v) => v.id)).toEqual([b.id]);
      expect(await model.views.list({ organisation: 'ACME', reference_number: reference, type: 'DISPLAY_FINGERPRINT' }, { limit: 10, offset: 0 })).toEqual([]);
    });

    it('finds a request without a scheduled date due even when the clock reads earlier than its request time (a backward step)', async () => {
      const requestedAt = '2026-07-01T12:00:00.000Z';
      const unscheduled = view(id(), base + 30, { internal: { organisation: 'ACME', due_at: requestedAt, scheduled_at: null, requested_at: requestedAt, last_dispatched_at: null, dispatch_attempts: 0 } });
      const scheduledLater = view(id(), base + 31, {}, '2026-07-01T13:00:00.000Z');
      await put(unscheduled);
      await put(scheduledLater);
      const oneHourBack = new Date('2026-07-01T11:00:00.000Z');
      const due = (await model.views.findDue(oneHourBack, 100_000)).map((d) => d.id);
      expect(due).toContain(unscheduled.id);
      expect(due).not.toContain(scheduledLater.id);
      const queue = await model.views.conaxQueue(oneHourBack);
      expect(queue.waiting).toBeGreaterThanOrEqual(1);
    });

    it('finds due requests EXPRESS first, then by due date, then by number; and overdue sent ones', async () => {
      const far = '2999-01-01T00:00:00.000Z';
      // Make every earlier due row of this database look sent, so only this test's rows are due.
      const express = view(id(), base + 20, { priority: 'EXPRESS' }, '2026-03-01T00:00:00.000Z');
      const early = view(id(), base + 21, {}, '2026-01-01T00:00:00.000Z');
      const lateLowNumber = view(id(), base + 19, {}, '2026-02-01T00:00:00.000Z');
      const lateHighNumber = view(id(), base + 22, {}, '2026-02-01T00:00:00.000Z');
      const future = view(id(), base + 23, { priority: 'EXPRESS' }, far);
      const sent = view(id(), base + 24, { internal: { organisation: 'ACME', due_at: '2026-01-01T00:00:00.000Z', scheduled_at: null, requested_at: '2026-01-01T00:00:00.000Z', last_dispatched_at: '2026-04-01T00:00:00.000Z', dispatch_attempts: 1 } });
      for (const v of [express, early, lateLowNumber, lateHighNumber, future, sent]) await put(v);
      const mine = new Set([express, early, lateLowNumber, lateHighNumber, future, sent].map((v) => v.id));
      const due = (await model.views.findDue(new Date('2026-06-01T00:00:00Z'), 100_000)).filter((d) => mine.has(d.id));
      expect(due.map((d) => d.id)).toEqual([express.id, early.id, lateLowNumber.id, lateHighNumber.id]);
      expect(due[0].priority).toBe('EXPRESS');
      // Only a published send can be overdue, measured from its publication.
      expect((await model.views.findAwaitingOutcome(new Date('2026-05-01T00:00:00Z'), 100_000)).filter((x) => mine.has(x.id))).toEqual([]);
      await model.publications.record(projection, (position += 1n), sent.id, 1, new Date('2026-04-01T00:00:00Z'));
      const overdue = (await model.views.findAwaitingOutcome(new Date('2026-05-01T00:00:00Z'), 100_000)).filter((x) => mine.has(x.id));
      expect(overdue).toEqual([{ id: sent.id, attempt: 1, publishedAt: new Date('2026-04-01T00:00:00Z') }]);
      expect(await model.checkpoints.checkpoint(projection)).toBe(position);
      expect((await model.views.findAwaitingOutcome(new Date('2026-03-01T00:00:00Z'), 100_000)).filter((x) => mine.has(x.id))).toEqual([]);
      // An older attempt never overwrites a newer one (a redelivered event).
      await model.publications.record(projection, (position += 1n), sent.id, 2, new Date('2026-04-02T00:00:00Z'));
      await model.publications.record(projection, (position += 1n), sent.id, 1, new Date('2026-04-03T00:00:00Z'));
      const newest = (await model.views.findAwaitingOutcome(new Date('2026-05-01T00:00:00Z'), 100_000)).filter((x) => mine.has(x.id));
      expect(newest).toEqual([{ id: sent.id, attempt: 2, publishedAt: new Date('2026-04-02T00:00:00Z') }]);
    });

    it('remembers released tokens', async () => {
      const token = randomUUID();
      expect(await model.revocations.isRevoked(token)).toBe(false);
      await model.revocations.revoke(token, new Date(Date.now() + 60_000));
      await model.revocations.revoke(token, new Date(Date.now() + 60_000));
      expect(await model.revocations.isRevoked(token)).toBe(true);
    });

    it('answers many lookups at once, each for its own token (more than one statement holds), and a release is seen by the next', async () => {
      const tokens = Array.from({ length: 450 }, () => randomUUID());
      for (const i of [0, 201, 449]) await model.revocations.revoke(tokens[i], new Date(Date.now() + 60_000));
      const answers = await Promise.all([...tokens, tokens[201]].map((token) => model.revocations.isRevoked(token)));
      expect(answers.flatMap((released, i) => (released ? [i] : []))).toEqual([0, 201, 449, 450]);
      await model.revocations.revoke(tokens[1], new Date(Date.now() + 60_000));
      expect(await model.revocations.isRevoked(tokens[1])).toBe(true);
    });

    it('keeps the first outcome in the connector ledger', async () => {
      const ledger = new SqlConnectorLedger(db);
      const request_id = id();
      const first = { schema: 'conax.pairing.outcome.v1' as const, request_id, attempt: 1, result: 'accepted' as const, response: 'OK 1', reference_number: '1', executed_at: new Date().toISOString() };
      expect(await ledger.find(request_id)).toBeNull();
      await ledger.record(first);
      await ledger.record({ ...first, attempt: 2, reference_number: '2' });
      expect(await ledger.find(request_id)).toEqual(first);
    });

    it('grants a lease to one owner at a time, renews it, and hands it over once expired', async () => {
      const leases = new SqlLeases(db, dialect);
      const name = `lease_${randomUUID().slice(0, 8)}`;
      expect(await leases.tryAcquire(name, 'a', 300)).toBe(true);
      expect(await leases.tryAcquire(name, 'b', 300)).toBe(false);
      expect(await leases.tryAcquire(name, 'a', 300)).toBe(true);
      const race = await Promise.all(['c', 'd', 'e'].map(async (owner) => leases.tryAcquire(`${name}_race`, owner, 10_000)));
      expect(race.filter(Boolean)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 350));
      expect(await leases.tryAcquire(name, 'b', 300)).toBe(true);
      await leases.release(name, 'b');
      expect(await leases.tryAcquire(name, 'a', 300)).toBe(true);
    });

    it('fences a paused holder: once another instance took its lease, its writes fail and change nothing', async () => {
      const name = `fenced_${randomUUID().slice(0, 8)}`;
      // Two instances: each its own leases and its own fenced read model over the same database.
      const leasesA = new SqlLeases(db, dialect);
      const leasesB = new SqlLeases(db, dialect);
      const modelA = sqlAdapters(db, leasesA);
      const modelB = sqlAdapters(db, leasesB);
      expect(await leasesA.tryAcquire(name, 'a', 200)).toBe(true);
      const v = view(id(), base + 40);
      await applyOne(modelA, name, 1n, v.id, 0n, () => v);
      expect(await modelA.checkpoints.checkpoint(name)).toBe(1n);
      // A pauses past its lease; B takes over and moves on.
      await new Promise((r) => setTimeout(r, 300));
      expect(await leasesB.tryAcquire(name, 'b', 10_000)).toBe(true);
      await applyOne(modelB, name, 2n, v.id, 1n, () => ({ ...v, life_cycle_state: 'COMPLETED' }));
      // A wakes up still believing it holds the lease: its row write and checkpoint are refused together.
      await expect(applyOne(modelA, name, 3n, v.id, 2n, () => ({ ...v, life_cycle_state: 'REJECTED' }))).rejects.toThrow(LeaseLostError);
      await expect(modelA.checkpoints.advanceCheckpoint(name, 4n)).rejects.toThrow(LeaseLostError);
      expect((await model.views.findById(v.id))!.life_cycle_state).toBe('COMPLETED');
      expect(await model.checkpoints.checkpoint(name)).toBe(2n);
    });
  });
}
