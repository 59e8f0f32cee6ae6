import { batchDecider, BatchEvent, BatchSubmittedData } from '../../src/domain/batch/batch.decider';
import { DeciderSpecification } from '../support/decider-spec';

const spec = DeciderSpecification(batchDecider);
const now = new Date('2026-12-03T10:00:00Z');
const submission = { batch_id: 'B1', type: 'CREATE_PAIRING' as const, organisation: 'ACME', upload_id: 'U1', digest: 'd1', total: 10, accepted: 8, rejected: 2 };
const submitted: BatchEvent = { type: 'BatchSubmitted', data: { ...submission, process_name: 'PAIRING_UTILITY', submitted_at: now.toISOString() } satisfies BatchSubmittedData };
const progressed = (through: number, created: number, refused: Array<{ line: number; error: string }> = []): BatchEvent => ({
  type: 'BatchItemsCreated',
  data: { through_line: through, created, refused },
});

describe('the batch decider (SPEC §10)', () => {
  it("records a submission with its utility's process name", () => {
    spec.given().when({ type: 'SubmitBatch', submission, now }).then([submitted]);
  });

  it('is done as it is submitted when no item is valid', () => {
    spec
      .given()
      .when({ type: 'SubmitBatch', submission: { ...submission, accepted: 0, rejected: 10 }, now })
      .then((events) => expect(events.map((e) => e.type)).toEqual(['BatchSubmitted', 'BatchCompleted']));
  });

  it('answers a re-submission of the same items with nothing new, and refuses other items under the same id', () => {
    spec.given(submitted).when({ type: 'SubmitBatch', submission: { ...submission, upload_id: 'U2' }, now }).then([]);
    spec.given(submitted).when({ type: 'SubmitBatch', submission: { ...submission, digest: 'd2' }, now }).thenFails('IDEMPOTENCY_CONFLICT');
  });

  it('refuses a type no utility creates, and counts that do not add up', () => {
    spec.given().when({ type: 'SubmitBatch', submission: { ...submission, type: 'ADD_SUBSCRIPTIONS' }, now }).thenFails('INVALID', 'type');
    spec.given().when({ type: 'SubmitBatch', submission: { ...submission, rejected: 3 }, now }).thenFails('INVALID', 'items');
  });

  it('moves progress only forward: a chunk handled again after a crash records nothing twice', () => {
    spec.given(submitted).when({ type: 'RecordCreated', throughLine: 5, created: 4, refused: [{ line: 3, error: 'x' }] }).then([progressed(5, 4, [{ line: 3, error: 'x' }])]);
    spec.given(submitted, progressed(5, 4)).when({ type: 'RecordCreated', throughLine: 5, created: 4, refused: [] }).then([]);
    spec.given(submitted, progressed(5, 4)).when({ type: 'RecordCreated', throughLine: 3, created: 2, refused: [] }).then([]);
  });

  it('folds created and rejected across chunks, and completes once', () => {
    const state = [submitted, progressed(5, 4, [{ line: 3, error: 'x' }]), progressed(10, 3)].reduce(batchDecider.evolve, batchDecider.initialState);
    expect(state).toMatchObject({ status: 'Running', throughLine: 10, created: 7, rejected: 3 });
    spec.given(submitted).when({ type: 'CompleteBatch', now }).then([{ type: 'BatchCompleted', data: { completed_at: now.toISOString() } }]);
    spec.given(submitted, { type: 'BatchCompleted', data: { completed_at: now.toISOString() } }).when({ type: 'CompleteBatch', now }).then([]);
    spec.given().when({ type: 'CompleteBatch', now }).thenFails('NOT_FOUND');
  });
});
