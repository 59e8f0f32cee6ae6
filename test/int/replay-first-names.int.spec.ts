import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REQUEST_VIEW_PROJECTION, projectEvents } from '../../src/application/read-model/request-view.projection';
import { provisioningRequestStreamId } from '../../src/domain/provisioning-request';
import { eventCodecFor, StorageAdapters } from '../../src/infrastructure/adapters';
import { loadConfig } from '../../src/infrastructure/config/app-config';
import { STORAGE } from '../../src/infrastructure/config/config.tokens';
import { SqlCheckpoints } from '../../src/infrastructure/sql/sql-checkpoints';
import { SqlRequestViews } from '../../src/infrastructure/sql/sql-request-views';
import { openSqliteDatabase } from '../../src/infrastructure/sqlite/sqlite-database';
import { SqliteEventStore } from '../../src/infrastructure/sqlite/sqlite-event-store';
import { ROUTES, TestApp, startTestApp, tempDataDir } from '../support/test-app';
import { eventually } from '../support/processing';

/**
 * An event store written by the release before request types were data (main at d7d9012: PairingDispatched,
 * PairingProcessed, PairingRejected), with the views that release answered for it. This build projects the
 * same store from nothing and must answer the same views, while history shows the shared event names.
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'store-d7d9012');
const answeredThen: Array<Record<string, unknown> & { id: string }> = JSON.parse(readFileSync(join(FIXTURE, 'views.json'), 'utf8'));
/** The same views, plus the one field added since (issue 23: a query's `result`, null for every other type). */
const expectedViews: Array<Record<string, unknown> & { id: string }> = answeredThen.map((view) => ({ ...view, result: null }));

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

/**
 * The same store as the embedded profile kept it before the view was written with the events: the read model
 * in read-model.sqlite beside events.sqlite, its projection part of the way through the log. At start the
 * read model is merged into the events' file (what the events cannot give back, such as a released token,
 * included), the old file is kept under another name, and the projection resumes where it was.
 */
describe('a data directory with the read model in its own file', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    copyFileSync(join(FIXTURE, 'events.sqlite'), join(dataDir, 'events.sqlite'));
    const separate = await openSqliteDatabase(join(dataDir, 'read-model.sqlite'));
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const log = (await Promise.all(expectedViews.map((view) => events.readStream(provisioningRequestStreamId(view.id))))).flat().sort((a, b) => Number(a.position - b.position));
    await events.close();
    const codec = eventCodecFor(loadConfig({ AUTH_USERS: '', JWT_SECRET: 'integration-test-secret-integration-test-secret', DATA_DIR: dataDir }));
    // Half the log projected, the checkpoint where it stopped.
    await projectEvents(new SqlRequestViews(separate, new SqlCheckpoints(separate)), codec, REQUEST_VIEW_PROJECTION, log.slice(0, Math.ceil(log.length / 2)), console);
    await separate.insertInto('released_tokens').values({ token_id: 'released-before-the-merge', expires_at: '2999-01-01T00:00:00.000Z' }).execute();
    await separate.destroy();
    t = await startTestApp({ DATA_DIR: dataDir, AUTH_USERS: '', RUN_CONNECTOR: 'false', PROCESSING_RUN_INTERVAL_MS: '3600000' });
  });
  afterAll(() => t.close());

  it('moves every row into the events file and keeps the old file under another name', async () => {
    expect(existsSync(join(dataDir, 'read-model.sqlite'))).toBe(false);
    expect(existsSync(join(dataDir, 'read-model.sqlite.merged'))).toBe(true);
    const db = t.app.get<StorageAdapters>(STORAGE).db;
    expect(await db.selectFrom('released_tokens').selectAll().execute()).toEqual([{ token_id: 'released-before-the-merge', expires_at: '2999-01-01T00:00:00.000Z' }]);
  });

  it('projects the rest of the log from where the separate read model stopped', async () => {
    const token = await t.login('operator', 'operator', 'DEMO');
    const listed = await eventually(
      async () => (await t.http.get(ROUTES.list).query({ token })).body.data as unknown[],
      (views) => JSON.stringify(views) === JSON.stringify(expectedViews),
    );
    expect(listed).toEqual(expectedViews);
  });
});
