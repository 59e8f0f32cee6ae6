/** Indents XML for reading; an element holding only text stays on one line. The stored text is never changed. */
export function prettyXml(xml: string | null): string {
  if (!xml) return '';
  const parts = xml.replace(/>\s+</g, '><').match(/<[^>]+>|[^<]+/g) ?? [];
  const indent = (depth: number) => '  '.repeat(Math.max(0, depth));
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.startsWith('</')) {
      depth -= 1;
      lines.push(indent(depth) + part);
    } else if (part.startsWith('<?') || part.startsWith('<!') || part.endsWith('/>')) {
      lines.push(indent(depth) + part);
    } else if (part.startsWith('<')) {
      const text = parts[i + 1];
      const close = parts[i + 2];
      if (text !== undefined && !text.startsWith('<') && close?.startsWith('</')) {
        lines.push(indent(depth) + part + text + close);
        i += 2;
      } else {
        lines.push(indent(depth) + part);
        depth += 1;
      }
    } else {
      lines.push(indent(depth) + part.trim());
    }
  }
  return lines.join('\n');
}

export const pretty = (value: unknown) => JSON.stringify(value, null, 2);
