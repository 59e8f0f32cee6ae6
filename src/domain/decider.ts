/**
 * A decision model as a value: what a stream's history means (`evolve` from `initialState`) and what a
 * command decides on it (`decide`). Pure: anything from outside (a drawn number, the time, a catalogue's
 * answer) arrives on the command. `decide` answers [] when the command changes nothing (deciding the same
 * thing twice yields no new events) and throws a DomainError to refuse it.
 */
export interface Decider<Command, Event, State> {
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/** A `switch` over a union that forgot a member does not compile. */
export function unreachable(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
