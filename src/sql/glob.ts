/**
 * Schema-name globs (`--schema-per-tenant 'tenant_*'`): `*` stands for any
 * run of characters (also none), `?` for exactly one; every other character,
 * `_` and `%` included, stands for itself; the glob matches the whole name,
 * case-sensitively (schema names are case-sensitive once created).
 */

/** The glob as an anchored Postgres regular expression, sent as a parameter (never interpolated into SQL). */
export function globToRegex(glob: string): string {
  let out = '^';
  for (const char of glob) {
    if (char === '*') out += '.*';
    else if (char === '?') out += '.';
    // a backslash before any non-alphanumeric character makes it literal in a Postgres ARE (and in JS)
    else out += /[A-Za-z0-9]/.test(char) || char.codePointAt(0)! > 127 ? char : `\\${char}`;
  }
  return `${out}$`;
}

/** The same match in JavaScript, for tests and for naming the schemas a glob covers. */
export function matchesGlob(glob: string, name: string): boolean {
  return new RegExp(globToRegex(glob), 's').test(name);
}
