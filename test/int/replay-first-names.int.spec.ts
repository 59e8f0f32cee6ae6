import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTES, TestApp, startTestApp, tempDataDir } from '../support/test-app';
import { eventually } from '../support/processing';

/**
 * An event store written by the release before request types were data (main at d7d9012: PairingDispatched,
 * PairingProcessed, PairingRejected), with the views that release answered for it. This build projects the
 * same store from nothing and must answer the same views, while history shows the shared event names.
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'store-d7d9012');
const expectedViews: Array<Record<string, unknown> & { id: string }> = JSON.parse(readFileSync(join(FIXTURE, 'views.json'), 'utf8'));

describe('replaying a store written under the first event names', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    copyFileSync(join(FIXTURE, 'events.sqlite'), join(dataDir, 'events.sqlite'));
    // The same development user that wrote the fixture (organisation DEMO), no processing: a pure replay.
    t = await startTestApp({ DATA_DIR: dataDir, AUTH_USERS: '', RUN_CONNECTOR: 'false', PROCESSING_RUN_INTERVAL_MS: '3600000' });
    token = await t.login('operator', 'operator', 'DEMO');
  });
  afterAll(() => t.close());

  it('projects the same views as the release that wrote it', async () => {
    const listed = await eventually(
      async () => (await t.http.get(ROUTES.list).query({ token })).body.data as unknown[],
      (views) => views.length === expectedViews.length,
    );
    expect(listed).toEqual(expectedViews);
  });

  it('shows the shared event names in history, with the data as stored', async () => {
    const completed = expectedViews.find((view) => view.life_cycle_state === 'COMPLETED')!;
    const rejected = expectedViews.find((view) => view.life_cycle_state === 'REJECTED')!;
    const typesOf = async (id: string) =>
      (await t.http.get(ROUTES.history).query({ token, provisioning_request_identifier: `id=${id}` })).body.data.map((e: { type: string }) => e.type);
    expect(await typesOf(completed.id)).toEqual(['PairingRequested', 'RequestDispatched', 'RequestProcessed']);
    expect(await typesOf(rejected.id)).toEqual(['PairingRequested', 'RequestDispatched', 'RequestRejected']);
  });
});
