/**
 * How tenantguard names a database object: the kind, schema and name a
 * finding, a migration history entry or a baseline refers to it by, and the
 * text it is shown as.
 */
import { displayName } from './quote.js';

export type ObjectKind =
  | 'table'
  | 'policy'
  | 'view'
  | 'materialized-view'
  | 'function'
  | 'role'
  | 'column'
  | 'constraint'
  | 'index'
  | 'schema'
  | 'database';

/** What a finding is about. `schema` is null for roles, schemas (named by `name`) and the database. */
export interface FindingObject {
  kind: ObjectKind;
  schema: string | null;
  name: string;
  /** The table a policy, column, constraint or index belongs to. */
  table?: string;
}

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
