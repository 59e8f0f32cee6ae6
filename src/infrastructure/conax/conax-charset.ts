/**
 * Conax's provider setting names the character encoding of every SOAP message (UTF-8 or ISO-8859-1).
 * Node's `latin1` Buffer encoding silently keeps only the low byte of each code unit (U+013C would go out
 * as `<`), so encoding is checked here: a character the charset cannot hold is refused, never folded.
 */
export type ConaxCharset = 'UTF-8' | 'ISO-8859-1';

const ALIASES: Record<string, ConaxCharset> = { 'utf-8': 'UTF-8', utf8: 'UTF-8', 'iso-8859-1': 'ISO-8859-1', latin1: 'ISO-8859-1' };

export class UnencodableTextError extends Error {
  constructor(
    readonly charset: ConaxCharset,
    readonly codePoint: number,
  ) {
    super(`U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} cannot be written in ${charset}.`);
    this.name = 'UnencodableTextError';
  }
}

/** The canonical name of a configured encoding, or null when it is not one Conax speaks. */
export function conaxCharset(name: string): ConaxCharset | null {
  return ALIASES[name.toLowerCase()] ?? null;
}

/** The first code point `charset` cannot hold (lone surrogates included), or null. */
export function firstUnencodable(text: string, charset: ConaxCharset): number | null {
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) return codePoint; // a lone surrogate has no encoding
    if (charset === 'ISO-8859-1' && codePoint > 0xff) return codePoint;
  }
  return null;
}

export function encodeText(text: string, charset: ConaxCharset): Buffer {
  const bad = firstUnencodable(text, charset);
  if (bad !== null) throw new UnencodableTextError(charset, bad);
  return Buffer.from(text, charset === 'UTF-8' ? 'utf8' : 'latin1');
}

export function decodeText(bytes: Buffer, charset: ConaxCharset): string {
  return bytes.toString(charset === 'UTF-8' ? 'utf8' : 'latin1');
}

/** The charset a request's Content-Type names (UTF-8 when it names none or one Conax does not speak). */
export function charsetOfContentType(contentType: string | undefined): ConaxCharset {
  const match = /charset\s*=\s*"?([\w.-]+)"?/i.exec(contentType ?? '');
  return (match && conaxCharset(match[1])) || 'UTF-8';
}
