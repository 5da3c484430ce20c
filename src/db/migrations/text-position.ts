/**
 * Offsets in SQL text come in three units: libpg-query's statement locations
 * are UTF-8 byte offsets, Postgres' error positions count characters (code
 * points), and JavaScript strings index UTF-16 code units. These helpers turn
 * each into a line number.
 */

/** Number of line breaks in `text` before UTF-16 index `end`. */
export function countNewlines(text: string, end = text.length): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** UTF-16 index of the code point at 0-based code-point index `codePoint` (clamped to the text). */
export function codePointToIndex(text: string, codePoint: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoint && index < text.length; seen++) {
    index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  }
  return index;
}

/** Length of the whitespace and comments (`-- …` and nested block comments) that `text` starts with. */
export function leadingTriviaLength(text: string): number {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
    } else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      // Postgres block comments nest.
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        if (text.startsWith('/*', i)) (depth++, (i += 2));
        else if (text.startsWith('*/', i)) (depth--, (i += 2));
        else i++;
      }
    } else {
      break;
    }
  }
  return i;
}
