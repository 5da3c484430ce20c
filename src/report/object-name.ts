import type { FindingObject } from '../rules/types.js';
import { displayName } from '../sql/quote.js';

/**
 * `public.projects`, or `public.projects.tenant_access` for an object that
 * belongs to a table (policy, column, constraint, index) — the same form
 * config `ignore` entries use. Parts are quoted only when they need it.
 */
export function qualifiedObjectName(object: FindingObject): string {
  if (object.table !== undefined && object.table !== object.name) {
    return `${displayName(object.schema, object.table)}.${displayName(null, object.name)}`;
  }
  return displayName(object.schema, object.name);
}

/** `policy public.projects.tenant_access`, `table public.projects`. */
export function describeObject(object: FindingObject): string {
  return `${object.kind} ${qualifiedObjectName(object)}`;
}
