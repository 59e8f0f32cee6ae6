import { InMemoryBus } from '../../src/infrastructure/bus/in-memory-bus';
import { FAST_RETRY, messageBusContract } from './message-bus.contract';

messageBusContract('in-process', () => new InMemoryBus(FAST_RETRY));

describe('in-process bus memory', () => {
  const message = (i: number) => ({ key: `k${i}`, value: 'x'.repeat(1000), headers: {} });

  it('keeps nothing for a topic without a consumer', async () => {
    const bus = new InMemoryBus(FAST_RETRY);
    for (let i = 0; i < 1000; i++) await bus.publish('nobody-listens', [message(i)]);
    expect(bus.retained()).toBe(0);
  });

  it('keeps only what some consumer group has not handled yet', async () => {
    const bus = new InMemoryBus(FAST_RETRY);
    const seen: string[] = [];
    const consumer = await bus.consume({ topic: 't', groupId: 'g', handler: async (m) => void seen.push(m.key) });
    for (let i = 0; i < 5000; i++) await bus.publish('t', [message(i)]);
    while (seen.length < 5000) await new Promise((r) => setTimeout(r, 5));
    expect(bus.retained()).toBeLessThanOrEqual(256);
    await consumer.stop();
    // A stopped group keeps its place: what it has not handled stays until it resumes.
    for (let i = 0; i < 10; i++) await bus.publish('t', [message(i)]);
    const resumed: string[] = [];
    const again = await bus.consume({ topic: 't', groupId: 'g', handler: async (m) => void resumed.push(m.key) });
    while (resumed.length < 10) await new Promise((r) => setTimeout(r, 5));
    await again.stop();
    expect(seen.slice(0, 3)).toEqual(['k0', 'k1', 'k2']);
  });
});
