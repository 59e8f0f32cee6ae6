import { caIdProblem } from '../ca-id';
import { DomainError } from '../errors';

/** The ids of a request's `parameters_set` items, drawn by the caller: one per parameter, in order. */
export function parameterIdAt(ids: readonly string[], index: number): string {
  const id = ids[index];
  if (id === undefined) throw new DomainError('INVALID', 'Not enough parameter ids were drawn for this request.');
  return id;
}

/** One CA ID, named by its field. */
export function checkCaId(value: string, field: string): void {
  const problem = caIdProblem(value);
  if (problem) throw new DomainError('INVALID', `${field} ${problem}.`, field);
}

/** A set of CA IDs: 1..max items, each a CA ID, none twice. */
export function checkCaIdSet(values: readonly string[], field: string, max: number): void {
  if (values.length === 0) throw new DomainError('INVALID', `${field} must hold at least one item.`, field);
  if (values.length > max) throw new DomainError('INVALID', `${field} must hold at most ${max} items.`, field);
  const seen = new Set<string>();
  values.forEach((value, index) => {
    checkCaId(value, `${field}[${index}]`);
    if (seen.has(value)) throw new DomainError('INVALID', `${field} lists "${value}" more than once.`, field);
    seen.add(value);
  });
}

/** A whole number in [min, max], and a multiple of `step` when one is given. */
export function checkWholeNumber(value: number, field: string, min: number, max: number, step = 1): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DomainError('INVALID', `${field} must be a whole number from ${min} to ${max}.`, field);
  }
  if (value % step !== 0) throw new DomainError('INVALID', `${field} must be a multiple of ${step}.`, field);
}

/** Control, format (zero-width, bidi overrides), surrogate and unassigned code points: never in a message to a screen. */
const HIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}]/u;

/** A message's text: 1..max characters (code points), none of them hidden ones (SPEC §8). */
export function checkMessageText(text: string, field: string, max: number): void {
  const length = [...text].length;
  if (length === 0 || length > max) throw new DomainError('INVALID', `${field} must be 1 to ${max} characters long.`, field);
  if (HIDDEN_CHARACTERS.test(text)) throw new DomainError('INVALID', `${field} must not contain control or format characters.`, field);
}

/** A PIN as Conax takes it: exactly four digits. */
export function checkPin(pin: string, field: string): void {
  if (!/^[0-9]{4}$/.test(pin)) throw new DomainError('INVALID', `${field} must be exactly 4 digits.`, field);
}
