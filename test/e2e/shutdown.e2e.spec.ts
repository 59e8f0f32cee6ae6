import { ServiceProcess, SimulatorProcess, freePort, sleep, tempDataDir } from '../support/fault-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const brokers = require('../../scripts/kafka.js');

/**
 * Shutdown (docs/decisions.md, "Delivery guarantees"): bounded by SHUTDOWN_TIMEOUT_MS whatever is down,
 * process_immediately calls in flight answered with their current state, keep-alive clients refused from
 * the first moment, every stage logged and a final line. Real processes, a real broker.
 */
jest.setTimeout(120_000);

const CREATE = '/crmapi/rest/v2/conax_web_services/provisioning_requests/create_pairing';
let counter = Math.floor(Math.random() * 1e6) * 1000;

async function create(service: ServiceProcess, token: string, processImmediately: boolean) {
  const n = (counter += 1);
  const response = await fetch(`${service.url}${CREATE}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ process_immediately: processImmediately, smartcard_set: [{ smartcard_ca_id: String(3e10 + n) }], stb_set: [{ stb_ca_id: String(4e10 + n) }] }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as { status: { code: string }; data: { id: string; life_cycle_state: string } | null } };
}

function exited(service: ServiceProcess): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => service.child!.once('exit', () => resolve(performance.now() - started)));
}

describe('shutdown', () => {
  it('answers the process_immediately calls in flight with their current state, refuses keep-alive clients at once, and ends within its bound', async () => {
    const slow = new SimulatorProcess(await freePort(), { CONAX_SIMULATOR_LATENCY_MS: '4000' });
    slow.start();
    await slow.waitUntilUp();
    const service = new ServiceProcess(await freePort(), {
      DATA_DIR: tempDataDir(),
      CONAX_URL: slow.url,
      LOG_LEVEL: 'info',
      PROCESS_IMMEDIATELY_WAIT_MS: '30000',
      CONAX_CALL_TIMEOUT_MS: '10000',
      OUTCOME_TIMEOUT_MS: '20000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    try {
      service.start();
      await service.waitUntilReady(60_000, 'ready');
      const token = await service.login();
      const waiting = Array.from({ length: 4 }, () => create(service, token, true));
      // Keep-alive clients (Node's fetch keeps connections open) creating as fast as they can.
      let sigtermAt = Number.POSITIVE_INFINITY;
      const lateAnswers: number[] = [];
      let running = true;
      const keepAlive = Array.from({ length: 4 }, async () => {
        while (running) {
          const startedAt = performance.now();
          const status = await create(service, token, false).then((r) => r.status, () => 0);
          if (startedAt > sigtermAt + 100) lateAnswers.push(status);
        }
      });
      await sleep(1500); // the four waits are now in Conax's hands (4 s each)
      const gone = exited(service);
      sigtermAt = performance.now();
      service.signal('SIGTERM');
      const answers = await Promise.all(waiting);
      const took = await gone;
      running = false;
      await Promise.all(keepAlive);
      for (const answer of answers) {
        expect(answer.status).toBe(200); // stored, and answered as it stands
        expect(answer.body.data?.life_cycle_state).toBe('PENDING');
      }
      expect(took).toBeLessThan(5000 + 1500);
      expect(lateAnswers.length).toBeGreaterThan(0); // clients really came back on their connections
      expect(lateAnswers.filter((status) => status === 200)).toEqual([]); // and none was acknowledged after SIGTERM
      expect(service.output).toContain('Shutdown: processors stopped at their checkpoints');
      expect(service.output).toContain('Shutdown complete in');
    } finally {
      await service.kill();
      await slow.kill();
    }
  });

  const withKafka = process.env.KAFKA_BROKERS ? it : it.skip;

  withKafka('ends within SHUTDOWN_TIMEOUT_MS when the Kafka broker is gone', async () => {
    const broker = await brokers.startBroker();
    const service = new ServiceProcess(await freePort(), {
      DATA_DIR: tempDataDir(),
      BUS: 'kafka',
      KAFKA_BROKERS: broker.bootstrap,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    try {
      service.start();
      await service.waitUntilReady(90_000, 'ready');
      const token = await service.login();
      for (let i = 0; i < 5; i++) expect((await create(service, token, false)).status).toBe(200);
      await brokers.killBroker(broker);
      await sleep(1000);
      const gone = exited(service);
      service.signal('SIGTERM');
      const took = await Promise.race([gone, sleep(60_000).then(() => Number.POSITIVE_INFINITY)]);
      expect(took).toBeLessThan(5000 + 2000);
      expect(service.output).toMatch(/Shutdown: .*(did not finish|failed)/); // the broker's steps were cut short, and said so
    } finally {
      await service.kill();
      await brokers.stopBroker(broker);
    }
  });
});
