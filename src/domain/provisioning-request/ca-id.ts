/** A Conax CA ID as this service accepts it: 1–32 characters, no whitespace, no control characters. Never trimmed. */
export const MAX_CA_ID_LENGTH = 32;

// \p{Cc} covers C0/C1 control characters; \s covers every Unicode space.
const FORBIDDEN = /[\s\p{Cc}]/u;

export function caIdProblem(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if ([...value].length > MAX_CA_ID_LENGTH) return `must be at most ${MAX_CA_ID_LENGTH} characters`;
  if (FORBIDDEN.test(value)) return 'must not contain whitespace or control characters';
  return null;
}
