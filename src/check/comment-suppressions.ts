import type { Catalog } from '../catalog/types.js';
import type { IgnoreEntry } from '../config/types.js';

/**
 * `@tenantguard ignore <rule>[, <rule>…]: <reason>` on a line of a table's or
 * view's comment. The reason is required, as in config ignore entries: a
 * directive without one is not honoured, so the finding stays visible.
 */
const DIRECTIVE = /@tenantguard\s+ignore\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*:\s*(\S.*)$/;

function directives(comment: string | null): { rules: string[]; reason: string }[] {
  if (!comment) return [];
  const found: { rules: string[]; reason: string }[] = [];
  for (const line of comment.split(/\r?\n/)) {
    const match = DIRECTIVE.exec(line);
    if (match) found.push({ rules: match[1]!.split(',').map((r) => r.trim()), reason: match[2]!.trim() });
  }
  return found;
}

/**
 * Suppressions kept in the database itself (COMMENT ON TABLE … IS
 * '@tenantguard ignore rls-disabled: reason'), as ignore entries for the
 * object: an entry for a table also covers its policies, columns and constraints.
 */
export function commentSuppressions(catalog: Catalog): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [];
  for (const relation of [...catalog.tables, ...catalog.views]) {
    for (const { rules, reason } of directives(relation.comment)) {
      for (const rule of rules) entries.push({ rule, object: `${relation.schema}.${relation.name}`, reason });
    }
  }
  return entries;
}
