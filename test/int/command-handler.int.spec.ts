import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandContext, StreamCommandHandler, StreamKind } from '../../src/application/command-handling/command-handler';
import { ServiceMetrics } from '../../src/application/ports/metrics.port';
import { EventCodec } from '../../src/application/event-codec';
import { ProvisioningRequestStream } from '../../src/application/provisioning-request.stream';
import { RequestChanges } from '../../src/application/read-model/request-changes';

const provisioningRequestStream = new ProvisioningRequestStream(new EventCodec({}), new RequestChanges());
import { SYSTEM_USER } from '../../src/application/system-user';
import { Decider } from '../../src/domain/decider';
import { ProvisioningRequestCommand, ProvisioningRequestState, provisioningRequestStreamId } from '../../src/domain/provisioning-request';
import { SqliteEventStore } from '../../src/infrastructure/sqlite/sqlite-event-store';

/** The one command loop: when it reads before deciding, how it retries a lost race, and the two ways of reading a stream. */
describe('StreamCommandHandler', () => {
  let store: SqliteEventStore;
  let commands: StreamCommandHandler;
  let reads: number;
  let lastReads: number;
  const conflicts: number[] = [];
  const context: CommandContext = { user: SYSTEM_USER, correlationId: 'c', causationId: 'cause' };
  const open = (requestId: string, number: string, fingerprint = 'same body'): ProvisioningRequestCommand => ({
    type: 'OpenRequest',
    number,
    draft: {
      type: 'CREATE_PAIRING',
      requestId,
      organisation: 'ACME',
      subscription: null,
      processImmediately: false,
      scheduledDate: null,
      priority: 'REGULAR',
      smartcards: [{ id: `${requestId}-S`, smartcard_ca_id: '111' }],
      stbs: [{ id: `${requestId}-B`, stb_ca_id: '222' }],
      fingerprint,
      now: new Date(),
      limits: { maxSmartcards: 100, maxStbs: 100 },
    },
  });

  beforeEach(() => {
    store = new SqliteEventStore(join(mkdtempSync(join(tmpdir(), 'commands-')), 'events.sqlite'));
    const readStream = store.readStream.bind(store);
    const readLastEvent = store.readLastEvent.bind(store);
    reads = 0;
    lastReads = 0;
    store.readStream = (streamId) => {
      reads += 1;
      return readStream(streamId);
    };
    store.readLastEvent = (streamId) => {
      lastReads += 1;
      return readLastEvent(streamId);
    };
    let next = 0;
    const metrics = { commandHandled: () => undefined, eventsAppended: () => undefined, appendConflict: () => conflicts.push(1) } as unknown as ServiceMetrics;
    commands = new StreamCommandHandler(store, { now: () => new Date('2026-12-03T10:00:00Z') }, { newId: () => `id-${(next += 1)}` }, metrics);
  });
  afterEach(() => store.close());

  it('reads the stream before deciding when the id may exist (an idempotency key), and writes the envelope', async () => {
    const handled = await commands.handle(provisioningRequestStream, 'R1', open('R1', '1'), { context, metric: 'create_pairing' });
    expect(handled.appended.map((event) => event.type)).toEqual(['PairingRequested']);
    expect(handled.state.status).toBe('Pending');
    expect(reads).toBe(1);
    const [stored] = await store.readStream(provisioningRequestStreamId('R1'));
    expect(stored.metadata).toEqual({ correlation_id: 'c', causation_id: 'cause', user: SYSTEM_USER, timestamp: '2026-12-03T10:00:00.000Z', schema_version: 2 });
  });

  it('skips the read for an id drawn just now', async () => {
    const handled = await commands.handle(provisioningRequestStream, 'R2', open('R2', '2'), { context, metric: 'create_pairing', newStream: true });
    expect(handled.appended.map((event) => event.type)).toEqual(['PairingRequested']);
    expect(reads).toBe(0);
    expect((await store.readStream(provisioningRequestStreamId('R2'))).length).toBe(1);
  });

  it('falls back to reading when a "new" id exists after all: the append conflicts, the command is built again for the state read', async () => {
    await commands.handle(provisioningRequestStream, 'R3', open('R3', '3'), { context, metric: 'create_pairing' });
    reads = 0;
    conflicts.length = 0;
    const seen: ProvisioningRequestState['status'][] = [];
    const handled = await commands.handle(
      provisioningRequestStream,
      'R3',
      (state): ProvisioningRequestCommand => {
        seen.push(state.status);
        return state.status === 'Initial' ? open('R3', '4') : { type: 'RepeatOpenRequest', fingerprint: 'same body' };
      },
      { context, metric: 'create_pairing', newStream: true },
    );
    expect(seen).toEqual(['Initial', 'Pending']);
    expect(conflicts).toEqual([1]);
    expect(reads).toBe(1);
    expect(handled.appended).toEqual([]);
    expect((await store.readStream(provisioningRequestStreamId('R3'))).length).toBe(1);
  });

  it('gives up after five lost races in a row', async () => {
    conflicts.length = 0;
    let n = 0;
    // Every attempt reads the stream, then another writer appends before this one can: the race is lost each time.
    const racing = async (): Promise<ProvisioningRequestCommand> => {
      n += 1;
      const streamId = provisioningRequestStreamId('R4');
      const last = await store.readLastEvent(streamId);
      const metadata = { correlation_id: 'x', causation_id: null, user: SYSTEM_USER, timestamp: '', schema_version: 1 };
      await store.appendToStream(streamId, [{ eventId: `race-${n}`, type: 'RequestRejected', data: {}, metadata }], last ? last.revision : 'no_stream');
      return open('R4', String(n));
    };
    await expect(commands.handle(provisioningRequestStream, 'R4', racing, { context, metric: 'create_pairing', newStream: true })).rejects.toThrow(/expected revision/);
    expect(conflicts).toHaveLength(5);
  });

  it('reads a log kind by its last event only, and folds state from it', async () => {
    type Counter = { type: 'Counted'; data: { value: number } };
    const counter: Decider<{ type: 'Count' }, Counter, number> = {
      initialState: 0,
      evolve: (_state, event) => event.data.value,
      decide: (_command, state) => [{ type: 'Counted', data: { value: state + 1 } }],
    };
    const log: StreamKind<{ type: 'Count' }, Counter, number> = {
      decider: counter,
      streamId: () => 'counter_log',
      decode: (recorded) => ({ type: 'Counted', data: recorded.data as { value: number } }),
      schemaVersion: () => 1,
      read: 'last',
    };
    for (let i = 0; i < 3; i++) await commands.handle(log, 'x', { type: 'Count' }, { context, metric: 'count' });
    expect((await commands.load(log, 'x')).state).toBe(3);
    expect(reads).toBe(0);
    expect(lastReads).toBe(4);
  });
});
