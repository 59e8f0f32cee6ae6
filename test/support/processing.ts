import { INestApplication } from '@nestjs/common';
import { BusMessage, MESSAGE_BUS, MessageBus } from '../../src/application/ports/message-bus.port';
import { ProcessingRun } from '../../src/application/processing/processing-run';
import { RunningSimulator } from '../../src/infrastructure/conax-simulator/conax-simulator';
import { RuntimeLifecycle } from '../../src/runtime.lifecycle';
import { ROUTES, TestApp } from './test-app';

export function simulatorOf(app: INestApplication): RunningSimulator {
  const simulator = app.get(RuntimeLifecycle).connector?.simulator;
  if (!simulator) throw new Error('no in-process simulator');
  return simulator;
}

export const busOf = (app: INestApplication) => app.get<MessageBus>(MESSAGE_BUS);

/**
 * Every message published to `topic` from now on, as a consumer group of its own sees it (the in-process
 * bus keeps nothing nobody consumes, so a test that wants to look subscribes like any consumer).
 */
export async function recordTopic(app: INestApplication, topic: string): Promise<BusMessage[]> {
  const seen: BusMessage[] = [];
  await busOf(app).consume({ topic, groupId: `test-recorder-${topic}`, handler: async (message) => void seen.push(message) });
  return seen;
}
export const runOnce = (app: INestApplication) => app.get(ProcessingRun).tick();

/** Polls show until the request leaves PENDING (or the time is up); returns the last data seen. */
export async function waitForFinal(t: TestApp, token: string, id: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let data: any;
  while (Date.now() < deadline) {
    data = (await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${id}` })).body.data;
    if (data && data.life_cycle_state !== 'PENDING') return data;
    await new Promise((r) => setTimeout(r, 50));
  }
  return data;
}

export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

export const successfulPairingCalls = (simulator: RunningSimulator, requestId: string) =>
  simulator.calls().filter((c) => c.operation === 'CreatePairing' && c.outcome === 'ok' && c.request_id === requestId).length;
