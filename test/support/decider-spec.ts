import { DomainError, fold, ProvisioningRequestEvent, ProvisioningRequestState } from '../../src/domain/provisioning-request';

/**
 * Given/when/then for the pure deciders: `given` past events, `when` a decision on the folded state, `then`
 * the events it decides (or `thenFails` with a domain error of a kind, naming a field).
 */
export function given(...history: ProvisioningRequestEvent[]) {
  const state = fold(history);
  return {
    when(decide: (state: ProvisioningRequestState) => ProvisioningRequestEvent[]) {
      const run = () => decide(state);
      return {
        then(expected: ProvisioningRequestEvent[] | ((decided: ProvisioningRequestEvent[]) => void)): ProvisioningRequestEvent[] {
          const decided = run();
          if (typeof expected === 'function') expected(decided);
          else expect(decided).toEqual(expected);
          return decided;
        },
        thenFails(kind: DomainError['kind'], field?: string): void {
          let failure: unknown = null;
          try {
            run();
          } catch (error) {
            failure = error;
          }
          expect(failure).toBeInstanceOf(DomainError);
          expect((failure as DomainError).kind).toBe(kind);
          if (field !== undefined) expect((failure as DomainError).field).toBe(field);
        },
      };
    },
  };
}
