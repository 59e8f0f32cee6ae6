import {
  fold,
  parametersOf,
  ProvisioningRequestCommand,
  provisioningRequestDecider,
  SubscriptionChangeDraft,
} from '../../src/domain/provisioning-request';
import { DeciderSpecification } from '../support/decider-spec';

const { given } = DeciderSpecification(provisioningRequestDecider);
type ChangeSubscription = Omit<SubscriptionChangeDraft, 'type'> & { number: string };

const T0 = new Date('2026-11-28T10:00:00.000Z');

function change(overrides: Partial<ChangeSubscription> = {}): ChangeSubscription {
  return {
    requestId: 'C'.repeat(32),
    number: '12',
    organisation: 'ACME',
    subscription: { number: 'SUB-1' },
    processImmediately: false,
    scheduledDate: null,
    priority: 'REGULAR',
    service: { id: 'SRV-1', service_ca_id: '501' },
    smartcard: { id: 'SC-1', smartcard_ca_id: '01900080207', sub_provisioning_distribution_id: 'D-7' },
    startDate: '2026-12-01',
    parameterIds: ['P1', 'P2', 'P3'],
    fingerprint: 'f-add',
    now: T0,
    ...overrides,
  };
}

describe.each([
  ['ADD_SUBSCRIPTIONS', 'SubscriptionsAddRequested'],
  ['CANCEL_SUBSCRIPTIONS', 'SubscriptionsCancelRequested'],
] as const)('%s', (type, eventType) => {
  const open = ({ number, ...draft }: ChangeSubscription): ProvisioningRequestCommand => ({ type: 'OpenRequest', draft: { ...draft, type }, number });

  it(`given nothing, when created, then ${eventType} records the resolved CA IDs and the parameters_set`, () => {
    const [event] = given()
      .when(open(change()))
      .then((decided) => expect(decided).toHaveLength(1));
    expect(event.type).toBe(eventType);
    expect(event.data).toMatchObject({
      request_id: 'C'.repeat(32),
      number: '12',
      type,
      organisation: 'ACME',
      subscription: { number: 'SUB-1' },
      process_name: 'MANUAL',
      service: { id: 'SRV-1', service_ca_id: '501' },
      smartcard: { id: 'SC-1', smartcard_ca_id: '01900080207', sub_provisioning_distribution_id: 'D-7' },
      start_date: '2026-12-01',
      requested_at: T0.toISOString(),
    });
    const state = fold([event]);
    if (state.status !== 'Pending') throw new Error('expected a pending request');
    expect(parametersOf(state.request)).toEqual([
      { id: 'P1', smartcard_ca_id: '01900080207' },
      { id: 'P2', service_ca_id: '501' },
      { id: 'P3', sub_provisioning_distribution_id: 'D-7' },
    ]);
  });

  it('given nothing, when the smartcard has no distribution, then parameters_set has no distribution item', () => {
    const [event] = given()
      .when(open(change({ smartcard: { id: 'SC-2', smartcard_ca_id: '7', sub_provisioning_distribution_id: null } })))
      .then((decided) => expect(decided).toHaveLength(1));
    expect((event.data as { parameters: unknown[] }).parameters).toEqual([
      { id: 'P1', smartcard_ca_id: '7' },
      { id: 'P2', service_ca_id: '501' },
    ]);
  });

  it('given the same request exists, when created again with the same fingerprint, then nothing new', () => {
    const first = provisioningRequestDecider.decide(open(change()), fold([]));
    given(...first).when(open(change())).then([]);
  });

  it('given a request exists, when another body reuses its stream, then an idempotency conflict', () => {
    const first = provisioningRequestDecider.decide(open(change()), fold([]));
    given(...first).when(open(change({ fingerprint: 'other' }))).thenFails('IDEMPOTENCY_CONFLICT');
  });

  it('given nothing, when process_immediately comes with a future scheduled_date, then INVALID on scheduled_date', () => {
    given()
      .when(open(change({ processImmediately: true, scheduledDate: new Date('2026-12-24T00:00:00Z') })))
      .thenFails('INVALID', 'scheduled_date');
  });

  it('given nothing, when start_date is not a real day, then INVALID on start_date', () => {
    given().when(open(change({ startDate: '2026-02-30' }))).thenFails('INVALID', 'start_date');
  });

  it('given it was created, then it shares the life cycle: dispatched, then processed', () => {
    const created = provisioningRequestDecider.decide(open(change()), fold([]));
    const [dispatched] = given(...created)
      .when({ type: 'DispatchRequest', processId: null, send: { sequenceNumber: '3', request: '<AddSubscription/>' }, now: T0 })
      .then((decided) => expect(decided.map((e) => e.type)).toEqual(['RequestDispatched']));
    given(...created, dispatched)
      .when({ type: 'RecordOutcome', outcome: { kind: 'accepted', response: 'OK 1', referenceNumber: '1', executedAt: T0 } })
      .then((decided) => expect(decided.map((e) => e.type)).toEqual(['RequestProcessed']));
  });
});
