import { randomUUID } from 'node:crypto';
import { BusMessage, BusUnavailableError, MessageBus, PoisonMessageError, dlqTopicOf } from '../../src/application/ports/message-bus.port';

export const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 };

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const message = (key: string, value: string, headers: Record<string, string> = {}): BusMessage => ({ key, value, headers });

/** The behaviour every message-bus adapter must show (each adapter's spec file runs it with FAST_RETRY). */
export function messageBusContract(name: string, open: () => MessageBus | null): void {
  describe(`message bus contract: ${name}`, () => {
    let bus: MessageBus;
    let topic: string;
    const group = () => `group-${randomUUID().slice(0, 8)}`;

    beforeAll(() => {
      bus = open()!;
    });
    afterAll(async () => {
      await bus?.close();
    });
    beforeEach(async () => {
      topic = `contract.${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([topic]);
    });

    it('delivers messages with their headers, in order per key', async () => {
      const seen: BusMessage[] = [];
      const consumer = await bus.consume({ topic, groupId: group(), handler: async (m) => void seen.push(m) });
      for (let i = 0; i < 10; i++) await bus.publish(topic, [message(`k${i % 2}`, `${i}`, { n: `${i}` })]);
      await until(() => seen.length === 10);
      await consumer.stop();
      for (const key of ['k0', 'k1']) {
        const values = seen.filter((m) => m.key === key).map((m) => Number(m.value));
        expect(values).toEqual([...values].sort((a, b) => a - b));
      }
      expect(seen.every((m) => m.headers.n === m.value)).toBe(true);
    });

    it('publishes made at once, to several topics, all arrive in call order per key', async () => {
      const other = `${topic}.other`;
      await bus.ensureTopics([other]);
      const seen = new Map<string, string[]>([
        [topic, []],
        [other, []],
      ]);
      const consumers = await Promise.all(
        [topic, other].map((t) => bus.consume({ topic: t, groupId: group(), handler: async (m) => void seen.get(t)!.push(m.value) })),
      );
      await Promise.all(Array.from({ length: 60 }, (_, i) => bus.publish(i % 3 === 0 ? other : topic, [message('same', `${i}`), message('same', `${i}b`)])));
      await until(() => seen.get(topic)!.length === 80 && seen.get(other)!.length === 40);
      await Promise.all(consumers.map((c) => c.stop()));
      const expected = (t: string) => Array.from({ length: 60 }, (_, i) => i).filter((i) => (i % 3 === 0) === (t === other)).flatMap((i) => [`${i}`, `${i}b`]);
      expect(seen.get(topic)).toEqual(expected(topic));
      expect(seen.get(other)).toEqual(expected(other));
    });

    it('retries a failing handler a bounded number of times and then succeeds without parking', async () => {
      let calls = 0;
      const consumer = await bus.consume({
        topic,
        groupId: group(),
        handler: async () => {
          calls += 1;
          if (calls < 3) throw new Error('flaky');
        },
      });
      await bus.publish(topic, [message('a', 'x')]);
      await until(() => calls === 3);
      await new Promise((r) => setTimeout(r, 200));
      await consumer.stop();
      expect(calls).toBe(3);
    });

    it('parks a message that keeps failing on <topic>.dlq with the reason, and moves on', async () => {
      const handled: string[] = [];
      let failures = 0;
      const consumer = await bus.consume({
        topic,
        groupId: group(),
        handler: async (m) => {
          if (m.value === 'bad') {
            failures += 1;
            throw new Error('always broken');
          }
          handled.push(m.value);
        },
      });
      const parked: BusMessage[] = [];
      const dlq = await bus.consume({ topic: dlqTopicOf(topic), groupId: group(), handler: async (m) => void parked.push(m) });
      await bus.publish(topic, [message('same', 'bad'), message('same', 'good')]);
      await until(() => handled.length === 1 && parked.length === 1);
      await consumer.stop();
      await dlq.stop();
      expect(failures).toBe(FAST_RETRY.maxAttempts);
      expect(parked[0]).toMatchObject({ key: 'same', value: 'bad' });
      expect(parked[0].headers['dlq-reason']).toContain('always broken');
      expect(handled).toEqual(['good']);
    });

    it('parks a poison message at once, without retrying', async () => {
      let calls = 0;
      const parked: BusMessage[] = [];
      const consumer = await bus.consume({
        topic,
        groupId: group(),
        handler: async () => {
          calls += 1;
          throw new PoisonMessageError('unreadable');
        },
      });
      const dlq = await bus.consume({ topic: dlqTopicOf(topic), groupId: group(), handler: async (m) => void parked.push(m) });
      await bus.publish(topic, [message('p', '???')]);
      await until(() => parked.length === 1);
      await consumer.stop();
      await dlq.stop();
      expect(calls).toBe(1);
    });

    it('resumes a consumer group after the last committed message', async () => {
      const groupId = group();
      const first: string[] = [];
      const consumer = await bus.consume({ topic, groupId, handler: async (m) => void first.push(m.value) });
      await bus.publish(topic, [message('a', '1'), message('a', '2')]);
      await until(() => first.length === 2);
      await consumer.stop();
      await bus.publish(topic, [message('a', '3')]);
      const second: string[] = [];
      const again = await bus.consume({ topic, groupId, handler: async (m) => void second.push(m.value) });
      await until(() => second.length === 1);
      await new Promise((r) => setTimeout(r, 300));
      await again.stop();
      expect(second).toEqual(['3']);
    });

    it('stopped in the middle of a burst, resumes with the first message it had not handled (none skipped)', async () => {
      const groupId = group();
      const all = Array.from({ length: 20 }, (_, i) => `${i}`);
      const first: string[] = [];
      const consumer = await bus.consume({
        topic,
        groupId,
        handler: async (m) => {
          await new Promise((r) => setTimeout(r, 20));
          first.push(m.value);
        },
      });
      await bus.publish(topic, all.map((v) => message('burst', v)));
      await until(() => first.length >= 5);
      await consumer.stop();
      expect(first.length).toBeLessThan(all.length);
      const second: string[] = [];
      const again = await bus.consume({ topic, groupId, handler: async (m) => void second.push(m.value) });
      await until(() => second.includes('19'));
      await again.stop();
      // What the first handled before stopping is committed: the second starts right after it, not at the burst's start.
      expect(second).toEqual(all.slice(first.length));
      expect(first).toEqual(all.slice(0, first.length));
    });

    it('with a concurrency option, handles up to max messages at once, never two of one lane together, in order per key', async () => {
      let running = 0;
      let peak = 0;
      const busyLanes = new Set<string>();
      const overlaps: string[] = [];
      const seen: string[] = [];
      const consumer = await bus.consume({
        topic,
        groupId: group(),
        concurrency: { max: 4, lanesOf: (m) => [m.value.split(':')[0]] },
        handler: async (m) => {
          const lane = m.value.split(':')[0];
          if (busyLanes.has(lane)) overlaps.push(m.value);
          busyLanes.add(lane);
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 30));
          running -= 1;
          busyLanes.delete(lane);
          seen.push(m.value);
        },
      });
      // 40 messages over 8 keys and 6 lanes (a lane is shared by messages of several keys, as a smartcard is by requests).
      await bus.publish(topic, Array.from({ length: 40 }, (_, i) => message(`k${i % 8}`, `lane${i % 6}:${i}`)));
      await until(() => seen.length === 40);
      await consumer.stop();
      expect(overlaps).toEqual([]);
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1);
      for (let k = 0; k < 8; k++) {
        const order = seen.map((v) => Number(v.split(':')[1])).filter((i) => i % 8 === k);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    });

    it('with a concurrency option, stopped mid-burst, resumes without skipping a message it had not handled', async () => {
      const groupId = group();
      const all = Array.from({ length: 30 }, (_, i) => `${i}`);
      const first = new Set<string>();
      const consumer = await bus.consume({
        topic,
        groupId,
        concurrency: { max: 4, lanesOf: () => [] },
        handler: async (m) => {
          await new Promise((r) => setTimeout(r, 10 + (Number(m.value) % 3) * 15));
          first.add(m.value);
        },
      });
      await bus.publish(topic, all.map((v) => message(`k${v}`, v)));
      await until(() => first.size >= 8);
      await consumer.stop();
      const second = new Set<string>();
      const again = await bus.consume({ topic, groupId, handler: async (m) => void second.add(m.value) });
      await until(() => all.every((v) => first.has(v) || second.has(v)));
      await again.stop();
      expect(all.filter((v) => !first.has(v) && !second.has(v))).toEqual([]);
    });

    it('gives every consumer group every message', async () => {
      const a: string[] = [];
      const b: string[] = [];
      const ca = await bus.consume({ topic, groupId: group(), handler: async (m) => void a.push(m.value) });
      const cb = await bus.consume({ topic, groupId: group(), handler: async (m) => void b.push(m.value) });
      await bus.publish(topic, [message('x', '1'), message('y', '2')]);
      await until(() => a.length === 2 && b.length === 2);
      await ca.stop();
      await cb.stop();
      expect(a.sort()).toEqual(['1', '2']);
      expect(b.sort()).toEqual(['1', '2']);
    });

    it('ships a log with its position: a new shipper of the same writer resumes after the last publish', async () => {
      const writer = `writer-${randomUUID().slice(0, 8)}`;
      const seen: string[] = [];
      const consumer = await bus.consume({ topic, groupId: group(), handler: async (m) => void seen.push(m.value) });
      const first = await bus.openLogShipper(topic, writer);
      expect(first.committedPosition).toBeNull();
      await first.publish([message('a', 'five')], 5n);
      await first.publish([message('b', 'seven')], 7n);
      await first.close();
      const second = await bus.openLogShipper(topic, writer);
      expect(second.committedPosition).toBe(7n);
      await second.close();
      const other = await bus.openLogShipper(topic, `${writer}-other`);
      expect(other.committedPosition).toBeNull(); // positions are per writer
      await other.close();
      await until(() => seen.length === 2);
      await consumer.stop();
      expect(seen.sort()).toEqual(['five', 'seven']);
    });

    it('ships a batch larger than a broker takes in one record batch (1 MiB) in one publish', async () => {
      const seen: string[] = [];
      const consumer = await bus.consume({ topic, groupId: group(), handler: async (m) => void seen.push(m.value) });
      const shipper = await bus.openLogShipper(topic, `writer-${randomUUID().slice(0, 8)}`);
      const big = (i: number) => message('one-request', `${i}:${'x'.repeat(40_000)}`);
      await shipper.publish(Array.from({ length: 40 }, (_, i) => big(i)), 40n);
      await shipper.close();
      await until(() => seen.length === 40, 60_000);
      await consumer.stop();
      expect(seen.map((v) => Number(v.split(':')[0]))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    });

    it('fences an older shipper of the same writer: once a newer one is open, the older one can publish nothing', async () => {
      const writer = `writer-${randomUUID().slice(0, 8)}`;
      const seen: string[] = [];
      const consumer = await bus.consume({ topic, groupId: group(), handler: async (m) => void seen.push(m.value) });
      const paused = await bus.openLogShipper(topic, writer);
      await paused.publish([message('a', 'before')], 1n);
      const successor = await bus.openLogShipper(topic, writer);
      expect(successor.committedPosition).toBe(1n);
      await expect(paused.publish([message('a', 'zombie')], 2n)).rejects.toBeInstanceOf(BusUnavailableError);
      await successor.publish([message('a', 'after')], 2n);
      const third = await bus.openLogShipper(topic, writer);
      expect(third.committedPosition).toBe(2n);
      await Promise.all([paused.close(), successor.close(), third.close()]);
      await until(() => seen.length === 2);
      await new Promise((r) => setTimeout(r, 500));
      await consumer.stop();
      expect(seen).toEqual(['before', 'after']);
    });

    it('reports itself reachable', async () => {
      expect(await bus.notReadyBecause()).toBeNull();
    });
  });
}
