import { OrderedLanes } from '../../src/infrastructure/bus/ordered-lanes';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Manually finished tasks, to watch what runs when. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('OrderedLanes', () => {
  it('runs at most max tasks at once and makes the next submit wait for room', async () => {
    const lanes = new OrderedLanes(2);
    const gates = [gate(), gate()];
    const started: number[] = [];
    await lanes.submit(['a'], async () => {
      started.push(0);
      await gates[0].opened;
    });
    await lanes.submit(['b'], async () => {
      started.push(1);
      await gates[1].opened;
    });
    let third = false;
    const submitting = lanes.submit(['c'], async () => void started.push(2)).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    gates[1].open();
    await submitting;
    gates[0].open();
    await lanes.idle();
    expect(started).toEqual([0, 1, 2]);
  });

  it('starts a task only after every earlier task of any of its lanes ended', async () => {
    const lanes = new OrderedLanes(4);
    const first = gate();
    const order: string[] = [];
    await lanes.submit(['card:1'], async () => {
      await first.opened;
      order.push('first');
    });
    await lanes.submit(['card:2'], async () => void order.push('other card'));
    await lanes.submit(['card:2', 'card:1'], async () => void order.push('shares card 1'));
    await tick();
    expect(order).toEqual(['other card']);
    first.open();
    await lanes.idle();
    expect(order).toEqual(['other card', 'first', 'shares card 1']);
  });

  it('goes on after a failing task, and idle waits for every task', async () => {
    const lanes = new OrderedLanes(1);
    const done: number[] = [];
    await lanes.submit(['x'], async () => {
      throw new Error('boom');
    });
    await lanes.submit(['x'], async () => void done.push(2));
    await lanes.idle();
    expect(done).toEqual([2]);
  });
});
