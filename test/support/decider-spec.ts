import { Decider } from '../../src/domain/decider';
import { DomainError } from '../../src/domain/provisioning-request';

/**
 * Given/when/then for any decider value, over its command union: `given` past events, `when` a command,
 * `then` the events it decides (or a check of them), or `thenFails` with a domain error of a kind, naming a
 * field. The state is always folded through the decider's own `evolve` from its `initialState`.
 */
export function DeciderSpecification<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(...history: Event[]) {
      const state = history.reduce(decider.evolve, decider.initialState);
      return {
        when(command: Command) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: Event[] | ((decided: Event[]) => void)): Event[] {
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
    },
  };
}
