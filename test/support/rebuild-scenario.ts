import { sql } from 'kysely';
import { STORAGE } from '../../src/infrastructure/config/config.tokens';
import { eventCodecFor, StorageAdapters } from '../../src/infrastructure/adapters';
import { ReadModelRebuild } from '../../src/infrastructure/sql/read-model-rebuild';
import { ROUTES, TEST_USERS, TestApp, pairingBody, startTestApp } from './test-app';
import { eventually, waitForFinal } from './processing';

const quiet = { start: () => undefined, update: () => undefined, stop: () => undefined };

/** Rebuild and check against a running service: the same scenario for every read-model dialect. */
export function rebuildScenario(
  name: string,
  env: () => Record<string, string>,
  dialect: 'sqlite' | 'postgres',
  cleanup: () => Promise<void> = async () => undefined,
): void {
  describe(`read model rebuild and check: ${name}`, () => {
    let t: TestApp;
    let token: string;
    let storage: StorageAdapters;
    const rebuild = () => new ReadModelRebuild(storage.db, storage.eventStore, eventCodecFor({ authUsersJson: TEST_USERS }), quiet, dialect);

    beforeAll(async () => {
      t = await startTestApp(env());
      token = await t.login();
      await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 60_000);
      storage = t.app.get(STORAGE);
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        created.push((await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: i % 2 === 0 }) })).body.data.id);
      }
      // The others finish in the service's own processing run: once all are final no event is in flight, so a
      // check cannot race the live projection (a rebuild ahead of it would report the row as live_behind).
      for (const id of created) await waitForFinal(t, token, id);
    });
    afterAll(async () => {
      await t?.close();
      await cleanup();
    });

    it('finds no difference between the live view and a rebuild', async () => {
      expect(await rebuild().check()).toEqual([]);
    });

    it('reports a tampered row, and a rebuild swapped in under the running service repairs it', async () => {
      const [victim] = (await t.http.get(ROUTES.list).query({ token, number_of_results: 1 })).body.data;
      await sql`UPDATE provisioning_requests SET document = ${JSON.stringify({ tampered: true })} WHERE id = ${victim.id}`.execute(storage.db);
      await sql`DELETE FROM provisioning_requests WHERE number = (SELECT MIN(number) FROM provisioning_requests)`.execute(storage.db);
      const differences = await rebuild().check();
      expect(differences.map((d) => d.kind).sort()).toEqual(['different', 'missing_in_live']);
      expect(differences.find((d) => d.kind === 'different')!.id).toBe(victim.id);

      expect(await rebuild().rebuild()).toBeGreaterThan(0);
      expect(await rebuild().check()).toEqual([]);
      const shown = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${victim.id}` })).body.data;
      expect(shown).toEqual(victim);

      // The live projection carries on into the swapped-in table.
      const after = (await t.http.post(ROUTES.create).send({ token, ...pairingBody({ process_immediately: true }) })).body.data;
      expect(after.life_cycle_state).toBe('COMPLETED');
      expect(await rebuild().check()).toEqual([]);
    });
  });
}

