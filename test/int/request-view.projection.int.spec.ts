import { ProvisioningRequestEvent } from '../../src/domain/provisioning-request';
import { ProjectionSpecification, recorded } from '../support/projection-spec';

const T = (s: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, s)).toISOString();

const pairing = (requestId: string, number: string): ProvisioningRequestEvent => ({
  type: 'PairingRequested',
  data: {
    request_id: requestId,
    number,
    type: 'CREATE_PAIRING',
    organisation: 'ACME',
    subscription: { number: 'SUB-1' },
    process_immediately: false,
    scheduled_date: null,
    priority: 'EXPRESS',
    process_name: 'MANUAL',
    requested_at: T(0),
    fingerprint: 'f',
    smartcards: [{ id: 'S1', smartcard_ca_id: '111' }],
    stbs: [{ id: 'B1', stb_ca_id: '222' }],
  },
});
const dispatched = (attempt: number): ProvisioningRequestEvent => ({
  type: 'RequestDispatched',
  data: { sequence_number: '9', process_id: 'RUN', request: '<CreatePairing/>', dispatched_at: T(attempt), attempt },
});
const processed: ProvisioningRequestEvent = { type: 'RequestProcessed', data: { response: 'OK 77', reference_number: '77', executed_date: T(5) } };
const rejected: ProvisioningRequestEvent = {
  type: 'RequestRejected',
  data: { error_code: 'CONAX_TIMEOUT', error_description: 'no answer', rejected_at: T(6), rejected_by: 'SERVICE', response: null, executed_date: null },
};

/** The request view projection: given stored events → the rows show, list and the processing run read. */
describe('request view projection (given events → rows)', () => {
  const spec = ProjectionSpecification();

  it('a creation gives a PENDING row with the request as SPEC §3 shows it', () =>
    spec.given(recorded('R1', [pairing('R1', '41')])).then(async (row, list) => {
      expect(await row('R1')).toMatchObject({
        id: 'R1',
        number: '41',
        type: 'CREATE_PAIRING',
        life_cycle_state: 'PENDING',
        priority: 'EXPRESS',
        subscription: { id: null, number: 'SUB-1' },
        parameters_set: [
          { id: 'S1', smartcard_ca_id: '111' },
          { id: 'B1', stb_ca_id: '222' },
        ],
        sequence_number: null,
        log_information: { created_by_user: { id: 'U1', username: 'alice', person_name: 'Alice', email: null } },
      });
      expect(await list({ life_cycle_state: 'PENDING' })).toEqual(['R1']);
    }));

  it('a dispatch, a re-send and Conax accepting give a COMPLETED row with the sequence number, request, response and reference', () =>
    spec.given(recorded('R2', [pairing('R2', '42'), dispatched(1), dispatched(2), processed])).then(async (row, list) => {
      expect(await row('R2')).toMatchObject({
        life_cycle_state: 'COMPLETED',
        sequence_number: '9',
        request: '<CreatePairing/>',
        response: 'OK 77',
        reference_number: '77',
        executed_date: T(5),
        process_id: 'RUN',
        internal: { dispatch_attempts: 2 },
      });
      expect(await list({ life_cycle_state: 'PENDING' })).toEqual([]);
      expect(await list({ type: 'CREATE_PAIRING' })).toEqual(['R2']);
    }));

  it('a rejection by the service gives a REJECTED row with its code and description', () =>
    spec.given(recorded('R3', [pairing('R3', '43'), dispatched(1), rejected])).then(async (row) => {
      expect(await row('R3')).toMatchObject({ life_cycle_state: 'REJECTED', error_code: 'CONAX_TIMEOUT', error_description: 'no answer' });
    }));

  it('one event at a time, or a whole history in one batch: the same row', async () => {
    const history = recorded('R4', [pairing('R4', '44'), dispatched(1), processed]);
    let batched: unknown;
    await spec.given(history).then(async (row) => void (batched = await row('R4')));
    await spec.given(history, { oneAtATime: true }).then(async (row) => expect(await row('R4')).toEqual(batched));
  });

  it('an event delivered twice (at or below the row revision) changes nothing', () =>
    spec.given([...recorded('R5', [pairing('R5', '45'), dispatched(1), processed]), ...recorded('R5', [pairing('R5', '45'), dispatched(1)], 10)]).then(async (row) => {
      expect((await row('R5'))!.life_cycle_state).toBe('COMPLETED');
    }));
});
