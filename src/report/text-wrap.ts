/** Pretty output is laid out for an 80-column terminal. */
export const WIDTH = 80;

/**
 * Greedy word wrap of one paragraph: the first line starts with `first`, the
 * others with `rest`. Words longer than the line (SQL, URLs) stay whole.
 */
export function wrapParagraph(text: string, first: string, rest: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let prefix = first;
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      prefix = rest;
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(prefix + line);
  return lines;
}

/** Word wrap with every line indented; each `\n` starts a new paragraph. */
export function wrap(text: string, indent: string, width = WIDTH): string[] {
  return text.split('\n').flatMap((paragraph) => wrapParagraph(paragraph, indent, indent, width));
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
