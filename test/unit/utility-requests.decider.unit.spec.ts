import {
  fold,
  parametersOf,
  ProvisioningRequestCommand,
  provisioningRequestDecider,
  RequestDraft,
} from '../../src/domain/provisioning-request';
import { evolveView } from '../../src/application/read-model/provisioning-request-view';
import { DeciderSpecification } from '../support/decider-spec';

const { given } = DeciderSpecification(provisioningRequestDecider);
const T0 = new Date('2026-12-03T10:00:00.000Z');
const IDS = Array.from({ length: 10 }, (_, i) => `P${i + 1}`);
const base = {
  requestId: 'D'.repeat(32),
  organisation: 'ACME',
  subscription: null,
  processImmediately: false,
  scheduledDate: null,
  priority: 'REGULAR' as const,
  fingerprint: 'f',
  now: T0,
  parameterIds: IDS,
};
const SEALED = { ciphertext: 'c2VhbGVk', iv: 'aXY=', tag: 'dGFn' };
const open = (draft: RequestDraft, number = '40'): ProvisioningRequestCommand => ({ type: 'OpenRequest', draft, number });

/** One valid draft per SPEC §8 type, the creation event it must decide, and the parameters_set it must record. */
const CASES: [RequestDraft, string, unknown[]][] = [
  [{ ...base, type: 'ADD_TO_EXISTING_PAIRING', smartcardCaId: '11', stbCaIds: ['21', '22'], maxStbs: 5 }, 'AddToExistingPairingRequested', [{ id: 'P1', smartcard_ca_id: '11' }, { id: 'P2', stb_ca_id: '21' }, { id: 'P3', stb_ca_id: '22' }]],
  [{ ...base, type: 'GET_PAIRING_STATUS_FOR_CARD', smartcardCaId: '11' }, 'CardPairingStatusRequested', [{ id: 'P1', smartcard_ca_id: '11' }]],
  [{ ...base, type: 'GET_PAIRING_STATUS_FOR_PAIRING_MODULE', stbCaId: '21' }, 'PairingModuleStatusRequested', [{ id: 'P1', stb_ca_id: '21' }]],
  [{ ...base, type: 'GET_ACTIVE_SUBSCRIPTIONS', smartcardCaId: '11' }, 'ActiveSubscriptionsRequested', [{ id: 'P1', smartcard_ca_id: '11' }]],
  [
    { ...base, type: 'DISPLAY_FINGERPRINT', smartcardCaIds: ['11', '12'], startDate: T0, durationSeconds: 30, maxSmartcards: 5 },
    'FingerprintDisplayRequested',
    [{ id: 'P1', smartcard_ca_id: '11' }, { id: 'P2', smartcard_ca_id: '12' }, { id: 'P3', start_date: T0.toISOString() }, { id: 'P4', duration_seconds: 30 }],
  ],
  [{ ...base, type: 'UPDATE_CA_PIN_TO_DEFAULT_VALUE', smartcardCaId: '11' }, 'DefaultPinResetRequested', [{ id: 'P1', smartcard_ca_id: '11' }]],
  [{ ...base, type: 'UPDATE_CA_PIN_TO_GIVEN_VALUE', smartcardCaId: '11', sealedPin: SEALED }, 'PinChangeRequested', [{ id: 'P1', smartcard_ca_id: '11' }, { id: 'P2', pin: '****' }]],
  [
    { ...base, type: 'SEND_MAIL_MESSAGE_TO_CLIENT', smartcardCaIds: ['11'], startDate: T0, text: 'Hello', durationSeconds: null, repetitions: null, intervalSeconds: null, maxSmartcards: 5 },
    'MailMessageRequested',
    [{ id: 'P1', smartcard_ca_id: '11' }, { id: 'P2', text: 'Hello' }, { id: 'P3', start_date: T0.toISOString() }],
  ],
  [
    { ...base, type: 'SEND_BARK_MESSAGE_TO_CLIENT', smartcardCaIds: ['11'], startDate: T0, text: 'Pay', durationSeconds: 20, repetitions: null, intervalSeconds: null, maxSmartcards: 5 },
    'BarkMessageRequested',
    [{ id: 'P1', smartcard_ca_id: '11' }, { id: 'P2', text: 'Pay' }, { id: 'P3', start_date: T0.toISOString() }, { id: 'P4', duration_seconds: 20 }],
  ],
  [
    { ...base, type: 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT', smartcardCaIds: ['11'], startDate: T0, text: 'Again', durationSeconds: 20, repetitions: 3, intervalSeconds: 60, maxSmartcards: 5 },
    'RepeatingBarkMessageRequested',
    [
      { id: 'P1', smartcard_ca_id: '11' },
      { id: 'P2', text: 'Again' },
      { id: 'P3', start_date: T0.toISOString() },
      { id: 'P4', duration_seconds: 20 },
      { id: 'P5', repetitions: 3 },
      { id: 'P6', interval_seconds: 60 },
    ],
  ],
];

describe.each(CASES)('%s', (draft, eventType, parameters) => {
  it(`given nothing, when created, then ${eventType} with its parameters_set`, () => {
    const [event] = given()
      .when(open(draft))
      .then((decided) => expect(decided.map((e) => e.type)).toEqual([eventType]));
    expect(event.data).toMatchObject({ request_id: 'D'.repeat(32), number: '40', type: draft.type, organisation: 'ACME', process_name: 'MANUAL' });
    const state = fold([event]);
    if (state.status !== 'Pending') throw new Error('expected a pending request');
    expect(parametersOf(state.request)).toEqual(parameters);
  });

  it('given it exists, when asked again with another fingerprint, then an idempotency conflict', () => {
    const created = provisioningRequestDecider.decide(open(draft), fold([]));
    given(...created).when(open({ ...draft, fingerprint: 'other' })).thenFails('IDEMPOTENCY_CONFLICT');
  });

  it('given it was created and sent, when Conax answers, then it is processed (the shared life cycle)', () => {
    const created = provisioningRequestDecider.decide(open(draft), fold([]));
    const [dispatched] = given(...created)
      .when({ type: 'DispatchRequest', processId: 'RUN', send: { sequenceNumber: '7', request: '<Op/>' }, now: T0 })
      .then((decided) => expect(decided.map((e) => e.type)).toEqual(['RequestDispatched']));
    given(...created, dispatched)
      .when({ type: 'RecordOutcome', outcome: { kind: 'accepted', response: 'OK r', referenceNumber: 'r', executedAt: T0 } })
      .then((decided) => expect(decided.map((e) => e.type)).toEqual(['RequestProcessed']));
  });
});

describe('the rules of the SPEC §8 types', () => {
  const [fingerprint, , ] = CASES[4];
  const [mail] = CASES[7];
  const [repeating] = CASES[9];
  const [extension] = CASES[0];
  it.each([
    ['a text of 142 characters in a mail', { ...mail, text: 'x'.repeat(142) }, 'text'],
    ['an emoji counted as one character: 141 of them pass, so a 142nd fails', { ...mail, text: '😀'.repeat(142) }, 'text'],
    ['a control character in a text', { ...mail, text: 'a\u0007b' }, 'text'],
    ['a zero-width space in a text', { ...mail, text: 'a\u200bb' }, 'text'],
    ['an interval that is not a step of 10', { ...repeating, intervalSeconds: 25 }, 'interval_seconds'],
    ['an interval beyond 2550', { ...repeating, intervalSeconds: 2560 }, 'interval_seconds'],
    ['no repetitions on a repeating bark', { ...repeating, repetitions: null }, 'repetitions'],
    ['a fingerprint shown for an hour and a second', { ...fingerprint, durationSeconds: 3601 }, 'duration_seconds'],
    ['a fingerprint on no card', { ...fingerprint, smartcardCaIds: [] }, 'smartcard_set'],
    ['the same card twice', { ...fingerprint, smartcardCaIds: ['11', '11'] }, 'smartcard_set'],
    ['more STBs than the limit', { ...extension, stbCaIds: ['1', '2', '3', '4', '5', '6'] }, 'stb_set'],
    ['a CA ID with a space', { ...extension, smartcardCaId: '1 1' }, 'smartcard_ca_id'],
    ['process_immediately with a future schedule', { ...mail, processImmediately: true, scheduledDate: new Date('2027-01-01T00:00:00Z') }, 'scheduled_date'],
  ] as [string, RequestDraft, string][])('given nothing, when created with %s, then INVALID on that field', (_, draft, field) => {
    given().when(open(draft)).thenFails('INVALID', field);
  });

  it('given 141 emoji in a mail, then created: a length counts characters, not UTF-16 units', () => {
    given().when(open({ ...mail, text: '😀'.repeat(141) } as RequestDraft)).then((decided) => expect(decided).toHaveLength(1));
  });
});

describe('a query result in the view', () => {
  it('is the same bytes whatever key order the store gave back (PostgreSQL jsonb reorders keys)', () => {
    const [draft] = CASES[1];
    const [created] = provisioningRequestDecider.decide(open(draft), fold([]));
    const context = { user: { id: 'U', username: 'u', person_name: null, email: null }, timestamp: T0.toISOString() };
    const processed = (result: object) => ({ type: 'RequestProcessed' as const, data: { response: 'r', reference_number: 'q', executed_date: T0.toISOString(), result: result as never } });
    const view = (result: object) => JSON.stringify(evolveView(evolveView(null, created, context), processed(result), context));
    expect(view({ stbs: ['1'], status: 'PAIRED' })).toBe(view({ status: 'PAIRED', stbs: ['1'] }));
  });
});
