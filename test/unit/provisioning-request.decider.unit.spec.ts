import {
  CONAX_TIMEOUT,
  ConaxOutcome,
  DomainError,
  OutcomeTimeoutPolicy,
  PairingDraft,
  ProvisioningRequestEvent,
  ProvisioningRequestState,
  provisioningRequestDecider,
  PublishedSend,
  RejectByService,
  UnansweredCall,
  fold,
  isFinal,
} from '../../src/domain/provisioning-request';
import { DeciderSpecification } from '../support/decider-spec';

/**
 * Every decision goes through the decider value and its command union; these wrappers only keep each case
 * short (the state passed in is the fold of its events).
 */
const decider = provisioningRequestDecider;
type CreatePairing = Omit<PairingDraft, 'type' | 'limits'> & { number: string };
const decideCreatePairing = (state: ProvisioningRequestState, { number, ...draft }: CreatePairing, limits: PairingDraft['limits']) =>
  decider.decide({ type: 'OpenRequest', draft: { ...draft, type: 'CREATE_PAIRING', limits }, number }, state);
const decideDispatch = (state: ProvisioningRequestState, c: { sequenceNumber: string; processId: string | null; request: string; now: Date }) =>
  decider.decide({ type: 'DispatchRequest', processId: c.processId, send: { sequenceNumber: c.sequenceNumber, request: c.request }, now: c.now }, state);
const decideRecordOutcome = (state: ProvisioningRequestState, outcome: ConaxOutcome) => decider.decide({ type: 'RecordOutcome', outcome }, state);
const decideRejectByService = (state: ProvisioningRequestState, c: RejectByService) => decider.decide({ type: 'RejectRequest', ...c }, state);
const decideOutcomeTimeout = (state: ProvisioningRequestState, now: Date, published: PublishedSend, policy: OutcomeTimeoutPolicy) =>
  decider.decide({ type: 'SweepOverdueSend', published, policy, now }, state);
const decideRecordUnanswered = (state: ProvisioningRequestState, call: UnansweredCall, policy: { maxAttempts: number }) =>
  decider.decide({ type: 'RecordUnansweredCall', call, maxAttempts: policy.maxAttempts }, state);
const spec = DeciderSpecification(decider);
const opening = (command: CreatePairing) => {
  const { number, ...draft } = command;
  return { type: 'OpenRequest' as const, draft: { ...draft, type: 'CREATE_PAIRING' as const, limits }, number };
};

const T0 = new Date('2026-11-26T10:00:00.000Z');
const limits = { maxSmartcards: 3, maxStbs: 3 };

function create(overrides: Partial<CreatePairing> = {}): CreatePairing {
  return {
    requestId: 'A'.repeat(32),
    number: '7',
    organisation: 'ACME',
    subscription: null,
    processImmediately: false,
    scheduledDate: null,
    priority: 'REGULAR',
    smartcards: [{ id: 'S1', smartcard_ca_id: '01900080207' }],
    stbs: [{ id: 'B1', stb_ca_id: '4500012345' }],
    fingerprint: 'f1',
    now: T0,
    ...overrides,
  };
}

const requested = (overrides: Partial<CreatePairing> = {}) => decideCreatePairing(fold([]), create(overrides), limits);
const dispatched = (at = T0, attempt = 1): ProvisioningRequestEvent => ({
  type: 'RequestDispatched',
  data: { sequence_number: '11', process_id: 'RUN', request: '<CreatePairing/>', dispatched_at: at.toISOString(), attempt },
});
const accepted = { kind: 'accepted' as const, response: 'OK 123', referenceNumber: '123', executedAt: T0 };
const refused = { kind: 'rejected' as const, errorCode: 'E1', errorDescription: 'bad card', response: '<Fault/>', executedAt: T0 };

function expectDomainError(run: () => unknown, kind: DomainError['kind'], field?: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe(kind);
    if (field !== undefined) expect((error as DomainError).field).toBe(field);
    return;
  }
  throw new Error(`expected a ${kind} domain error`);
}

describe('create pairing', () => {
  it('given nothing, when a valid pairing is created, then PairingRequested carries every fact', () => {
    const [event] = requested({ scheduledDate: new Date('2026-12-01T00:00:00Z'), priority: 'EXPRESS', subscription: { number: 'S-9' } });
    expect(event.type).toBe('PairingRequested');
    expect(event.data).toMatchObject({
      request_id: 'A'.repeat(32),
      number: '7',
      type: 'CREATE_PAIRING',
      priority: 'EXPRESS',
      process_name: 'MANUAL',
      scheduled_date: '2026-12-01T00:00:00.000Z',
      subscription: { number: 'S-9' },
      smartcards: [{ id: 'S1', smartcard_ca_id: '01900080207' }],
      stbs: [{ id: 'B1', stb_ca_id: '4500012345' }],
      requested_at: T0.toISOString(),
    });
  });

  it('given the same request already exists, when it is created again with the same fingerprint, then nothing new', () => {
    expect(decideCreatePairing(fold(requested()), create(), limits)).toEqual([]);
  });

  it('given a request exists, when another body reuses its stream, then it is an idempotency conflict', () => {
    expectDomainError(() => decideCreatePairing(fold(requested()), create({ fingerprint: 'other' }), limits), 'IDEMPOTENCY_CONFLICT');
  });

  it.each([
    ['empty smartcard set', { smartcards: [] }, 'smartcard_set'],
    ['empty stb set', { stbs: [] }, 'stb_set'],
    [
      'too many smartcards',
      { smartcards: ['1', '2', '3', '4'].map((id) => ({ id, smartcard_ca_id: id })) },
      'smartcard_set',
    ],
    [
      'duplicate stbs',
      { stbs: [{ id: 'a', stb_ca_id: '9' }, { id: 'b', stb_ca_id: '9' }] },
      'stb_set',
    ],
    ['empty CA ID', { smartcards: [{ id: 'a', smartcard_ca_id: '' }] }, 'smartcard_set[0]'],
    ['CA ID with a space', { stbs: [{ id: 'a', stb_ca_id: '12 3' }] }, 'stb_set[0]'],
    ['CA ID with a control character', { stbs: [{ id: 'a', stb_ca_id: '12\u00073' }] }, 'stb_set[0]'],
    ['CA ID of 33 characters', { smartcards: [{ id: 'a', smartcard_ca_id: '1'.repeat(33) }] }, 'smartcard_set[0]'],
    [
      'process_immediately with a future date',
      { processImmediately: true, scheduledDate: new Date(T0.getTime() + 60_000) },
      'scheduled_date',
    ],
  ])('rejects %s', (_, overrides, field) => {
    expectDomainError(() => requested(overrides as Partial<CreatePairing>), 'INVALID', field);
  });

  it('accepts a 32-character CA ID, untrimmed, and process_immediately with a past date', () => {
    const [event] = requested({
      smartcards: [{ id: 'a', smartcard_ca_id: 'x'.repeat(32) }],
      processImmediately: true,
      scheduledDate: new Date(T0.getTime() - 1000),
    });
    expect((event.data as { smartcards: { smartcard_ca_id: string }[] }).smartcards[0].smartcard_ca_id).toHaveLength(32);
  });
});

describe('dispatch', () => {
  const command = { sequenceNumber: '11', processId: 'RUN', request: '<CreatePairing/>', now: T0 };

  it('given a due pending request, when dispatched, then RequestDispatched with sequence, request text and attempt 1', () => {
    expect(decideDispatch(fold(requested()), command)).toEqual([dispatched()]);
  });

  it('given it was already sent, when dispatched again, then nothing new', () => {
    expect(decideDispatch(fold([...requested(), dispatched()]), command)).toEqual([]);
  });

  it('given a final request, when dispatched, then nothing new', () => {
    const events = [...requested(), dispatched(), ...decideRecordOutcome(fold([...requested(), dispatched()]), accepted)];
    expect(decideDispatch(fold(events), command)).toEqual([]);
  });

  it('given a request scheduled later, when dispatched now, then it is refused as not due', () => {
    const state = fold(requested({ scheduledDate: new Date(T0.getTime() + 3_600_000) }));
    expectDomainError(() => decideDispatch(state, command), 'WRONG_STATE');
  });

  it('given no request, when dispatched, then not found', () => {
    expectDomainError(() => decideDispatch(fold([]), command), 'NOT_FOUND');
  });
});

describe('record Conax outcome', () => {
  const sent = () => [...requested(), dispatched()];

  it('given a sent request, when Conax accepts, then RequestProcessed and the state is Completed', () => {
    const events = decideRecordOutcome(fold(sent()), accepted);
    expect(events).toEqual([
      { type: 'RequestProcessed', data: { response: 'OK 123', reference_number: '123', executed_date: T0.toISOString() } },
    ]);
    expect(fold([...sent(), ...events]).status).toBe('Completed');
  });

  it('given a sent request, when Conax faults, then RequestRejected by CONAX with the fault', () => {
    const [event] = decideRecordOutcome(fold(sent()), refused);
    expect(event).toMatchObject({ type: 'RequestRejected', data: { error_code: 'E1', error_description: 'bad card', rejected_by: 'CONAX' } });
  });

  it('given a final request, when another outcome arrives, then nothing new (first outcome stays)', () => {
    const done = [...sent(), ...decideRecordOutcome(fold(sent()), accepted)];
    expect(decideRecordOutcome(fold(done), refused)).toEqual([]);
    expect(decideRecordOutcome(fold(done), accepted)).toEqual([]);
    expect(isFinal(fold(done))).toBe(true);
  });

  it('given a request never sent, when an outcome arrives, then it is refused', () => {
    expectDomainError(() => decideRecordOutcome(fold(requested()), accepted), 'WRONG_STATE');
  });

  it('given no request, when an outcome arrives, then not found', () => {
    expectDomainError(() => decideRecordOutcome(fold([]), accepted), 'NOT_FOUND');
  });
});

describe('reject by the service', () => {
  const command = { errorCode: 'X', errorDescription: 'gave up', now: T0 };

  it('given a pending request, when the service rejects it, then RequestRejected by SERVICE', () => {
    expect(decideRejectByService(fold(requested()), command)).toEqual([
      {
        type: 'RequestRejected',
        data: { error_code: 'X', error_description: 'gave up', rejected_at: T0.toISOString(), rejected_by: 'SERVICE', response: null, executed_date: null },
      },
    ]);
  });

  it('given a rejected request, when rejected again, then nothing new', () => {
    const events = [...requested(), ...decideRejectByService(fold(requested()), command)];
    expect(decideRejectByService(fold(events), command)).toEqual([]);
  });
});

describe('outcome timeout', () => {
  const policy = { outcomeTimeoutMs: 30_000, maxAttempts: 2 };
  const later = (ms: number) => new Date(T0.getTime() + ms);

  const sent = (attempt: number, at = T0) => ({ attempt, publishedAt: at });

  it('given a send within the timeout, then nothing', () => {
    expect(decideOutcomeTimeout(fold([...requested(), dispatched()]), later(29_999), sent(1), policy)).toEqual([]);
  });

  it('given an overdue first send, then it is sent again as attempt 2 with the same sequence number and text', () => {
    const [event] = decideOutcomeTimeout(fold([...requested(), dispatched()]), later(30_000), sent(1), policy);
    expect(event).toEqual(dispatched(later(30_000), 2));
  });

  const unanswered = (attempt: number, at: Date): ProvisioningRequestEvent => ({
    type: 'ConaxCallUnanswered',
    data: { attempt, called_at: at.toISOString(), gave_up_at: at.toISOString(), reason: 'HTTP 503' },
  });

  it('given sends that were never called (waiting in the connector queue), then they are sent again and never rejected', () => {
    let events = [...requested(), dispatched()];
    let publishedAt = T0;
    for (let attempt = 1; attempt <= 10; attempt++) {
      const now = new Date(publishedAt.getTime() + 8 * 30_000);
      const decided = decideOutcomeTimeout(fold(events), now, sent(attempt, publishedAt), policy);
      expect(decided).toEqual([dispatched(now, attempt + 1)]);
      events = [...events, ...decided];
      publishedAt = now;
    }
    expect(fold(events).status).toBe('Pending');
  });

  it('waits one timeout for the first three sends, then twice as long before each further re-send, up to 8 timeouts', () => {
    const events = (attempts: number) => [...requested(), ...Array.from({ length: attempts }, (_, i) => dispatched(T0, i + 1))];
    for (const [attempt, wait] of [[1, 30_000], [2, 30_000], [3, 30_000], [4, 60_000], [5, 120_000], [6, 240_000], [9, 240_000]]) {
      expect(decideOutcomeTimeout(fold(events(attempt)), later(wait - 1), sent(attempt), policy)).toEqual([]);
      expect(decideOutcomeTimeout(fold(events(attempt)), later(wait), sent(attempt), policy)).toHaveLength(1);
    }
  });

  it('given the newest send unanswered and maxAttempts unanswered sends, when the sweep comes, then CONAX_TIMEOUT', () => {
    const events = [...requested(), dispatched(), unanswered(1, later(1)), dispatched(later(30_000), 2), unanswered(2, later(30_001))];
    const [event] = decideOutcomeTimeout(fold(events), later(90_000), sent(2, later(30_000)), policy);
    expect(event).toMatchObject({ type: 'RequestRejected', data: { error_code: CONAX_TIMEOUT, rejected_by: 'SERVICE' } });
  });

  it('given an attempt decided but never handed to the connector, then it cannot time out, however long ago', () => {
    const events = [...requested(), dispatched(), dispatched(later(30_000), 2)];
    // Attempt 2 was decided, but only attempt 1 was ever published: nothing was sent since, nothing is overdue.
    expect(decideOutcomeTimeout(fold(events), later(999_999), sent(1), policy)).toEqual([]);
  });

  it('measures the timeout from the publication, not from the decision', () => {
    const events = [...requested(), dispatched()];
    expect(decideOutcomeTimeout(fold(events), later(40_000), sent(1, later(15_000)), policy)).toEqual([]);
    expect(decideOutcomeTimeout(fold(events), later(45_000), sent(1, later(15_000)), policy)).toHaveLength(1);
  });

  it('given a request never sent or already final, then nothing', () => {
    expect(decideOutcomeTimeout(fold(requested()), later(999_999), sent(1), policy)).toEqual([]);
    const done = [...requested(), dispatched(), ...decideRecordOutcome(fold([...requested(), dispatched()]), accepted)];
    expect(decideOutcomeTimeout(fold(done), later(999_999), sent(1), policy)).toEqual([]);
  });
});

describe('create pairing, through the decider specification', () => {
  it('given nothing, when a pairing is created, then one PairingRequested', () => {
    spec
      .given()
      .when(opening(create()))
      .then((decided) => expect(decided.map((e) => e.type)).toEqual(['PairingRequested']));
  });

  it('given nothing, when a set repeats a CA ID, then INVALID naming the set', () => {
    spec
      .given()
      .when(opening(create({ stbs: [{ id: 'B1', stb_ca_id: '1' }, { id: 'B2', stb_ca_id: '1' }] })))
      .thenFails('INVALID', 'stb_set');
  });
});

describe('unanswered Conax calls', () => {
  const policy = { maxAttempts: 2 };
  const later = (ms: number) => new Date(T0.getTime() + ms);
  const call = (attempt: number) => ({ attempt, calledAt: later(1), reason: 'Conax answered HTTP 503', now: later(10) });

  it('given the first send unanswered, then it is recorded and the request stays pending', () => {
    spec
      .given(...requested(), dispatched())
      .when({ type: 'RecordUnansweredCall', call: call(1), maxAttempts: policy.maxAttempts })
      .then([{ type: 'ConaxCallUnanswered', data: { attempt: 1, called_at: later(1).toISOString(), gave_up_at: later(10).toISOString(), reason: 'Conax answered HTTP 503' } }]);
  });

  it('given the same report twice, then nothing new', () => {
    const events = [...requested(), dispatched(), ...decideRecordUnanswered(fold([...requested(), dispatched()]), call(1), policy)];
    expect(decideRecordUnanswered(fold(events), call(1), policy)).toEqual([]);
  });

  it('given maxAttempts sends unanswered and the last one is the newest, then CONAX_TIMEOUT in the same decision', () => {
    const first = [...requested(), dispatched(), ...decideRecordUnanswered(fold([...requested(), dispatched()]), call(1), policy), dispatched(later(30_000), 2)];
    const decided = decideRecordUnanswered(fold(first), call(2), policy);
    expect(decided.map((e) => e.type)).toEqual(['ConaxCallUnanswered', 'RequestRejected']);
    expect(decided[1]).toMatchObject({ data: { error_code: CONAX_TIMEOUT, error_description: 'Conax gave no answer to 2 sends of this request.' } });
    expect(isFinal(fold([...first, ...decided]))).toBe(true);
  });

  it('given an older send unanswered while a newer send may still be queued, then it never rejects', () => {
    const events = [...requested(), dispatched(), dispatched(later(30_000), 2), dispatched(later(90_000), 3)];
    const afterOne = [...events, ...decideRecordUnanswered(fold(events), call(1), policy)];
    expect(decideRecordUnanswered(fold(afterOne), call(2), policy).map((e) => e.type)).toEqual(['ConaxCallUnanswered']);
  });

  it('given a final request, then a late report changes nothing', () => {
    const done = [...requested(), dispatched(), ...decideRecordOutcome(fold([...requested(), dispatched()]), accepted)];
    expect(decideRecordUnanswered(fold(done), call(1), policy)).toEqual([]);
  });
});
