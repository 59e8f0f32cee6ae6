import {
  InvariantReport,
  ServiceProcess,
  SimulatorProcess,
  checkInvariants,
  driveLoad,
  formatReport,
  freePort,
  sleep,
  tempDataDir,
} from '../support/fault-harness';

/**
 * The fault suite (issue 8): each scenario drives load, injects one fault, heals, waits, and checks the
 * invariants. One line per scenario is printed with its figures.
 */
jest.setTimeout(300_000);

const reports: InvariantReport[] = [];
afterAll(() => {
  if (reports.length) process.stdout.write(`\nfault suite\n${reports.map(formatReport).join('\n')}\n`);
});

function expectClean(report: InvariantReport): void {
  reports.push(report);
  expect(report).toMatchObject({ lost: 0, pending: 0, wronglyRejected: 0, duplicates: 0, readModelDifferences: 0 });
  expect(report.acknowledged).toBeGreaterThan(20);
}

describe('fault suite', () => {
  let simulator: SimulatorProcess;
  beforeAll(async () => {
    simulator = new SimulatorProcess(await freePort());
    simulator.start();
    await simulator.waitUntilUp();
  });
  afterAll(() => simulator.kill());

  it('service SIGKILLed mid-burst (embedded default, simulator as its own process)', async () => {
    const env = {
      DATA_DIR: tempDataDir(),
      CONAX_URL: simulator.url,
      PROCESSING_RUN_INTERVAL_MS: '500',
      OUTCOME_TIMEOUT_MS: '4000',
    };
    let service = new ServiceProcess(await freePort(), env);
    service.start();
    await service.waitUntilReady();
    let token = await service.login();
    const load = driveLoad(() => service, () => token);
    await sleep(2500);
    await service.kill('SIGKILL');
    service = new ServiceProcess(service.port, env);
    service.start();
    await service.waitUntilReady();
    token = await service.login();
    await sleep(2000);
    await load.stop();
    expectClean(await checkInvariants('service SIGKILL mid-burst (embedded)', service, simulator, load.acknowledged, 90_000));
    await service.kill('SIGTERM');
  });
});
