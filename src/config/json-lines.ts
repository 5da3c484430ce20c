/**
 * Where each value of a JSON document is, by the path the config validator
 * names it with (`rules.rls-off`, `ignore[0].reason`), so an error can say
 * `tenantguard.config.json:7`. The text has already parsed as JSON; this
 * only walks it, counting lines.
 */
export function jsonPathLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;

  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++; // closing quote
    return JSON.parse(text.slice(start, i)) as string;
  };
  const child = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

  const value = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        skipSpace();
        if (text[i] === '}') break;
        const keyLine = line;
        const key = readString();
        lines.set(child(path, key), keyLine);
        skipSpace();
        i++; // ':'
        value(child(path, key));
        skipSpace();
        if (text[i] === ',') i++;
      }
      i++;
    } else if (c === '[') {
      i++;
      for (let index = 0; ; index++) {
        skipSpace();
        if (text[i] === ']') break;
        lines.set(`${path}[${index}]`, line);
        value(`${path}[${index}]`);
        skipSpace();
        if (text[i] === ',') i++;
      }
      i++;
    } else if (c === '"') {
      readString();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
    }
  };

  skipSpace();
  lines.set('', line);
  value('');
  return lines;
}

/** The line of `path`, or of its nearest ancestor that appears in the text (a missing key's object). */
export function lineOfPath(lines: Map<string, number>, path: string): number | undefined {
  let current = path === '(root)' ? '' : path;
  for (;;) {
    const found = lines.get(current);
    if (found !== undefined) return found;
    if (current === '') return undefined;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    current = cut <= 0 ? '' : current.slice(0, cut);
  }
}
