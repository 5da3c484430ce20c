import pg from 'pg';

/**
 * The only place SQL text containing identifiers or literals is built.
 * pg's escapers double embedded quotes, so names such as `Order Items`,
 * `select`, `a"b` or 63-byte unicode names round-trip exactly.
 */
export function quoteIdent(name: string): string {
  return pg.escapeIdentifier(name);
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
