/** Text that goes into `--` comments of a migration, and names as people read them. */
import type { QualifiedName } from '../../catalog/types.js';
import { displayName } from '../../sql/quote.js';

export function display(name: QualifiedName): string {
  return displayName(name.schema, name.name);
}

export function objectDisplay(object: { schema: string | null; name: string; table?: string }): string {
  return object.table !== undefined && object.schema !== null
    ? `${displayName(object.schema, object.table)}.${displayName(null, object.name)}`
    : displayName(object.schema, object.name);
}

/**
 * Text placed after `--`: a line break in a name would end the comment and
 * turn the rest of the name into SQL, so control characters are escaped.
 */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function wrapComment(text: string, first: string, rest: string, width = 80): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const prefix = lines.length === 0 ? first : rest;
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push((lines.length === 0 ? first : rest) + line);
  return lines.join('\n');
}
