import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceMetrics } from '../../src/application/ports/metrics.port';
import { CommandContext, ProvisioningRequestStreams } from '../../src/application/provisioning-request-streams';
import { SYSTEM_USER } from '../../src/application/system-user';
import { CreatePairing, decideCreatePairing, ProvisioningRequestState, provisioningRequestStreamId } from '../../src/domain/provisioning-request';
import { SqliteEventStore } from '../../src/infrastructure/sqlite/sqlite-event-store';

/** The command loop's read of the stream before deciding, and when a create may skip it. */
describe('ProvisioningRequestStreams.decide', () => {
  let store: SqliteEventStore;
  let streams: ProvisioningRequestStreams;
  let reads: number;
  const conflicts: number[] = [];
  const context: CommandContext = { user: SYSTEM_USER, correlationId: 'c', causationId: null };
  const limits = { maxSmartcards: 100, maxStbs: 100 };
  const pairing = (requestId: string, number: string): CreatePairing => ({
    requestId,
    number,
    organisation: 'ACME',
    subscription: null,
    processImmediately: false,
    scheduledDate: null,
    priority: 'REGULAR',
    smartcards: [{ id: `${requestId}-S`, smartcard_ca_id: '111' }],
    stbs: [{ id: `${requestId}-B`, stb_ca_id: '222' }],
    fingerprint: 'same body',
    now: new Date(),
  });

  beforeEach(() => {
    store = new SqliteEventStore(join(mkdtempSync(join(tmpdir(), 'streams-')), 'events.sqlite'));
    const readStream = store.readStream.bind(store);
    reads = 0;
    store.readStream = (streamId) => {
      reads += 1;
      return readStream(streamId);
    };
    let next = 0;
    const metrics = { commandHandled: () => undefined, eventsAppended: () => undefined, appendConflict: () => conflicts.push(1) } as unknown as ServiceMetrics;
    streams = new ProvisioningRequestStreams(store, { now: () => new Date() }, { newId: () => `id-${(next += 1)}` }, metrics);
  });
  afterEach(() => store.close());

  it('reads the stream before deciding when the id may exist (an idempotency key)', async () => {
    const decided = await streams.decide('create_pairing', 'R1', (state) => decideCreatePairing(state, pairing('R1', '1'), limits), context);
    expect(decided.appended.map((event) => event.type)).toEqual(['PairingRequested']);
    expect(reads).toBe(1);
  });

  it('skips the read for an id drawn just now', async () => {
    const decided = await streams.decide('create_pairing', 'R2', (state) => decideCreatePairing(state, pairing('R2', '2'), limits), context, true);
    expect(decided.appended.map((event) => event.type)).toEqual(['PairingRequested']);
    expect(reads).toBe(0);
    expect((await store.readStream(provisioningRequestStreamId('R2'))).length).toBe(1);
  });

  it('falls back to reading when a "new" id exists after all: the append conflicts, the retry sees the stream', async () => {
    await streams.decide('create_pairing', 'R3', (state) => decideCreatePairing(state, pairing('R3', '3'), limits), context);
    reads = 0;
    conflicts.length = 0;
    const seen: ProvisioningRequestState['status'][] = [];
    const decided = await streams.decide(
      'create_pairing',
      'R3',
      (state) => {
        seen.push(state.status);
        return decideCreatePairing(state, pairing('R3', ''), limits);
      },
      context,
      true,
    );
    expect(seen).toEqual(['Initial', 'Pending']);
    expect(conflicts).toEqual([1]);
    expect(reads).toBe(1);
    expect(decided.appended).toEqual([]);
    expect((await store.readStream(provisioningRequestStreamId('R3'))).length).toBe(1);
  });
});
