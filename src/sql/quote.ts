import pg from 'pg';
import { UNPRINTABLE } from '../printable.js';

/**
 * The only place SQL text containing identifiers or literals is built.
 * pg's escapers double embedded quotes, so names such as `Order Items`,
 * `select`, `a"b` or 63-byte unicode names round-trip exactly.
 */
export function quoteIdent(name: string): string {
  return UNPRINTABLE_CHAR.test(name) ? unicodeEscapedIdent(name) : pg.escapeIdentifier(name);
}

/** Names with characters src/printable.ts escapes are spelled with U&"…" escapes. */
const UNPRINTABLE_CHAR = new RegExp(UNPRINTABLE.source, 'u');

/**
 * `U&"a\001Bb"`: the same identifier with those characters as Unicode
 * escapes, so printed SQL cannot act on a terminal and still names exactly
 * that object. (U&"…" identifiers do not depend on standard_conforming_strings.)
 */
function unicodeEscapedIdent(name: string): string {
  let out = '';
  for (const char of name) {
    if (char === '"') out += '""';
    else if (char === '\\') out += '\\\\';
    else if (UNPRINTABLE_CHAR.test(char)) out += `\\${char.codePointAt(0)!.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `U&"${out}"`;
}

export function quoteLiteral(value: string): string {
  return pg.escapeLiteral(value);
}

/** `schema.name`, each part quoted. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Comma-separated quoted identifiers, for column lists. */
export function quoteIdentList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}

/** A role name as it appears in GRANT/POLICY ... TO: PUBLIC is a keyword, not an identifier. */
export function quoteRole(name: string): string {
  return name.toLowerCase() === 'public' ? 'PUBLIC' : quoteIdent(name);
}

/** `"app_user", PUBLIC`: the role list of a GRANT, a REVOKE or a policy's TO. */
export function quoteRoleList(names: readonly string[]): string {
  return names.map(quoteRole).join(', ');
}

/**
 * Human-facing display of a qualified name: bare when the parts are plain
 * lower-case identifiers, quoted otherwise (as psql's \d shows them).
 */
export function displayName(schema: string | null, name: string): string {
  const part = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : quoteIdent(s));
  return schema === null ? part(name) : `${part(schema)}.${part(name)}`;
}
