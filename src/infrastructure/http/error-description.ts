/** SPEC §1: an error's description is at most 4 KiB, whatever the size of the input. */
export const MAX_DESCRIPTION_BYTES = 4096;

/** The first problems that fit in MAX_DESCRIPTION_BYTES, then how many more there were. */
export function describeProblems(problems: readonly string[]): string | null {
  if (problems.length === 0) return null;
  const parts: string[] = [];
  let bytes = 0;
  for (const [index, problem] of problems.entries()) {
    const rest = problems.length - index;
    const tail = rest > 1 ? Buffer.byteLength(`; and ${rest - 1} more`) : 0;
    const next = Buffer.byteLength(problem) + (parts.length ? 2 : 0);
    if (bytes + next + tail > MAX_DESCRIPTION_BYTES) {
      parts.push(`and ${rest} more`);
      break;
    }
    parts.push(problem);
    bytes += next;
  }
  return capDescription(parts.join('; '));
}

/** Truncates any description to MAX_DESCRIPTION_BYTES of UTF-8 (never splitting a character). */
export function capDescription(description: string | null): string | null {
  if (description === null || Buffer.byteLength(description) <= MAX_DESCRIPTION_BYTES) return description;
  let cut = '';
  let bytes = 0;
  for (const char of description) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_DESCRIPTION_BYTES - 3) break;
    cut += char;
    bytes += size;
  }
  return `${cut}…`;
}
