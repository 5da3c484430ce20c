/**
 * Text from outside tenantguard (names and expressions read from the
 * database, paths, driver messages) shown without letting it act on the
 * reader's terminal or page. UNPRINTABLE: C0 and C1 controls (ESC and BEL
 * sequences retitle and recolour a terminal, CR and LF forge lines; a lone
 * 0x9B is CSI on some terminals) and the invisible characters that reorder
 * or split text (bidirectional overrides and isolates, zero-width
 * characters, line and paragraph separators). They are shown as escapes:
 * `\n`, `\x1b`, `\u202e`.
 */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const code = char.codePointAt(0)!;
  return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** One line of text: every unprintable character, line breaks included, escaped. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escapeOne);
}

/** A block (the SQL of a fix, a stack trace): line breaks kept, every other unprintable character escaped. */
export function printableBlock(text: string): string {
  return text.replace(UNPRINTABLE, (char) => (char === '\n' ? char : escapeOne(char)));
}
