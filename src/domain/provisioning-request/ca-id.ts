/**
 * A Conax CA ID as this service accepts it (SPEC §4): 1–32 printable ASCII characters without spaces
 * (`!` to `~`). Never trimmed. Conax CA IDs are digits in practice; other printable ASCII is sent and
 * Conax (or the simulator) rejects it, so every CA ID can be written in any Conax encoding.
 */
export const MAX_CA_ID_LENGTH = 32;

const PRINTABLE_ASCII = /^[\x21-\x7E]*$/;

export function caIdProblem(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_CA_ID_LENGTH) return `must be at most ${MAX_CA_ID_LENGTH} characters`;
  if (!PRINTABLE_ASCII.test(value)) return 'must be printable ASCII without spaces (! to ~)';
  return null;
}
