/**
 * The statements tenantguard proposes, each spelled once. Rule fixes, the
 * scaffolded migration and the values of its templates all build them here,
 * so the fix a finding suggests and the statement the scaffold writes are the
 * same text (the scaffold skips a fix it already wrote by comparing texts).
 * Every identifier and literal goes through quote.ts.
 */
import { quoteIdent, quoteIdentList, quoteLiteral, quoteQualified, quoteRole, quoteRoleList } from './quote.js';

/** A schema-qualified table, view or function name. */
export interface Relation {
  schema: string;
  name: string;
}

const relation = (r: Relation) => quoteQualified(r.schema, r.name);

/** A titled statement (or a few) a finding proposes; the title says what it does. */
export interface Fix {
  title: string;
  /** Built only through sql/quote.ts. */
  sql: string;
}

/** Policies filter nothing until RLS is enabled (docs/postgres-rls.md#rls-enable). */
export function enableRls(table: Relation): string {
  return `ALTER TABLE ${relation(table)} ENABLE ROW LEVEL SECURITY;`;
}

/** The owner skips the policies until RLS is forced (docs/postgres-rls.md#owner-bypass). */
export function forceRls(table: Relation): string {
  return `ALTER TABLE ${relation(table)} FORCE ROW LEVEL SECURITY;`;
}

/** Both, on two lines: the fix for a tenant table without row level security. */
export function enableAndForceRls(table: Relation): string {
  return `${enableRls(table)}\n${forceRls(table)}`;
}

/**
 * The tenant context typed like the tenant column: NULL, which matches no row,
 * whether the setting was never set or reads '' after a transaction that set it
 * locally (docs/postgres-rls.md#empty-context). `type` is format_type() output,
 * Postgres' own spelling of the type.
 */
export function tenantContext(setting: string, type: string): string {
  return `NULLIF(current_setting(${quoteLiteral(setting)}, true), '')::${type}`;
}

/**
 * `organization_id = (SELECT <context>)`: the bare column keeps its index usable
 * and the scalar subquery computes the context once per statement
 * (docs/postgres-rls.md#casts-and-indexes, #initplan).
 */
export function tenantPredicate(column: string, setting: string, type: string): string {
  return `${quoteIdent(column)} = (SELECT ${tenantContext(setting, type)})`;
}

/** A policy AND-ed with every permissive one for `roles`, reads and writes alike (docs/postgres-rls.md#permissive-restrictive). */
export function restrictivePolicy(name: string, table: Relation, roles: readonly string[], predicate: string): string {
  return (
    `CREATE POLICY ${quoteIdent(name)} ON ${relation(table)} AS RESTRICTIVE FOR ALL TO ${quoteRoleList(roles)}\n` +
    `  USING (${predicate})\n  WITH CHECK (${predicate});`
  );
}

/** A permissive policy for `roles` that admits, and lets them write, only the rows `predicate` holds for. */
export function permissivePolicy(name: string, table: Relation, roles: readonly string[], predicate: string): string {
  return (
    `CREATE POLICY ${quoteIdent(name)} ON ${relation(table)} AS PERMISSIVE FOR ALL TO ${quoteRoleList(roles)}\n` +
    `  USING (${predicate})\n  WITH CHECK (${predicate});`
  );
}

/** `ALTER POLICY … ON … <change>`, where `change` is a TO, USING or WITH CHECK clause. */
export function alterPolicy(name: string, table: Relation, change: string): string {
  return `ALTER POLICY ${quoteIdent(name)} ON ${relation(table)} ${change};`;
}

/** Takes a privilege on a table or view away from the roles that were granted it. */
export function revoke(privilege: 'ALL' | 'SELECT' | 'TRUNCATE', on: Relation, grantees: readonly string[]): string {
  return `REVOKE ${privilege} ON ${relation(on)} FROM ${quoteRoleList(grantees)};`;
}

/** TRUNCATE is not subject to RLS: only the privilege stops it (docs/postgres-rls.md#truncate). */
export function revokeTruncate(table: Relation, grantees: readonly string[]): string {
  return revoke('TRUNCATE', table, grantees);
}

/** The view reads its tables with the caller's rights and policies (docs/postgres-rls.md#views). */
export function securityInvokerView(view: Relation): string {
  return `ALTER VIEW ${relation(view)} SET (security_invoker = true);`;
}

/**
 * Resolves the function's names in pg_catalog and its own schema only, so no
 * caller's schema can slip its own code in (docs/postgres-rls.md#security-definer).
 */
export function pinSearchPath(fn: Relation & { identityArguments: string }): string {
  return `ALTER FUNCTION ${relation(fn)}(${fn.identityArguments}) SET search_path = pg_catalog, ${quoteIdent(fn.schema)}, pg_temp;`;
}

/**
 * The function runs with its caller's rights from now on: the caller's
 * privileges and row level security apply to what its body reads and writes
 * (docs/postgres-rls.md#security-definer).
 */
export function securityInvokerFunction(fn: Relation & { identityArguments: string }): string {
  return `ALTER FUNCTION ${relation(fn)}(${fn.identityArguments}) SECURITY INVOKER;`;
}

/** What a materialized view is rebuilt from: its query, owner, grants and comment as the catalog shows them. */
export interface MaterializedViewShape extends Relation {
  owner: string;
  /** pg_get_viewdef text (names schema-qualified as the catalog prints them). */
  definition: string;
  grants: readonly { grantee: string; privileges: readonly string[] }[];
  comment: string | null;
}

/**
 * A materialized view cannot have row level security; a view with
 * security_invoker runs the same query with the caller's rights and policies
 * (docs/postgres-rls.md#materialized-and-foreign, #views), so each tenant
 * reads its own rows of it. Same name, owner, grants and comment; done only
 * while the relation is still a materialized view, so a second run changes
 * nothing. The view is computed when read: REFRESH MATERIALIZED VIEW no
 * longer applies to it, and the materialized view's indexes go with it.
 */
export function materializedViewAsInvokerView(view: MaterializedViewShape): string {
  const name = relation(view);
  const query = view.definition.trim().replace(/;$/, '');
  const grants = view.grants.filter((g) => g.grantee !== view.owner && g.privileges.length > 0);
  const body = [
    `DROP MATERIALIZED VIEW ${name};`,
    `CREATE VIEW ${name} WITH (security_invoker = true) AS ${query};`,
    `ALTER VIEW ${name} OWNER TO ${quoteIdent(view.owner)};`,
    ...grants.map((g) => `GRANT ${g.privileges.join(', ')} ON ${name} TO ${quoteRole(g.grantee)};`),
    ...(view.comment === null ? [] : [`COMMENT ON VIEW ${name} IS ${quoteLiteral(view.comment)};`]),
  ];
  let tag = '$tenantguard$';
  for (let i = 1; body.some((line) => line.includes(tag)); i++) tag = `$tenantguard${i}$`;
  return [
    `DO ${tag}`,
    'BEGIN',
    '  IF EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace',
    `             WHERE n.nspname OPERATOR(pg_catalog.=) ${quoteLiteral(view.schema)} AND c.relname OPERATOR(pg_catalog.=) ${quoteLiteral(view.name)}`,
    "               AND c.relkind OPERATOR(pg_catalog.=) 'm') THEN",
    ...body.map((line) => `    ${line.replaceAll('\n', '\n    ')}`),
    '  END IF;',
    `END ${tag};`,
  ].join('\n');
}

export function setNotNull(table: Relation, column: string): string {
  return `ALTER TABLE ${relation(table)} ALTER COLUMN ${quoteIdent(column)} SET NOT NULL;`;
}

/** `CREATE INDEX [name] ON table (columns);`; without a name Postgres picks one. */
export function createIndex(table: Relation, columns: readonly string[], name: string | null = null): string {
  return `CREATE INDEX ${name === null ? '' : `${quoteIdent(name)} `}ON ${relation(table)} (${quoteIdentList(columns)});`;
}

/** Idempotent: granting a privilege the role already holds changes nothing. */
export function grantOnRelation(privileges: readonly string[], on: Relation, role: string): string {
  return `GRANT ${privileges.join(', ')} ON TABLE ${relation(on)} TO ${quoteRole(role)};`;
}

/** Idempotent, like every GRANT. */
export function grantExecute(fn: Relation & { identityArguments: string }, role: string): string {
  return `GRANT EXECUTE ON FUNCTION ${relation(fn)}(${fn.identityArguments}) TO ${quoteRole(role)};`;
}

/**
 * Creates `role` NOLOGIN only when pg_roles has no role of that name, so a
 * migration applied to a fresh database (or to the embedded engine of an
 * offline audit) finds the role its policies and grants name, and applied
 * where the role exists changes nothing: no ALTER ROLE, no password, no
 * attributes of an existing role touched. A concurrent creation between the
 * check and CREATE ROLE is duplicate_object, which counts as done.
 */
export function createRoleIfMissing(role: string): string {
  return [
    'IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) ' + quoteLiteral(role) + ') THEN',
    `  CREATE ROLE ${quoteIdent(role)} NOLOGIN;`,
    'END IF;',
  ].join('\n');
}

/** USAGE and CREATE on a schema: without USAGE nothing in it can be used, whatever the table grants (docs/postgres-rls.md#schema-usage). */
export function revokeSchema(schema: string, grantees: readonly string[]): string {
  return `REVOKE ALL ON SCHEMA ${quoteIdent(schema)} FROM ${quoteRoleList(grantees)};`;
}

/**
 * A search_path default set again with `schemas` (or reset when none is
 * left), where it was set: `role` null = the database (or every role, with
 * `database` null too), `database` null = every database of the role.
 */
export function setSearchPathDefault(role: string | null, database: string | null, currentDatabase: string, schemas: readonly string[]): string {
  const change = schemas.length > 0 ? `SET search_path = ${quoteIdentList(schemas)}` : 'RESET search_path';
  if (role === null && database === null) return `ALTER ROLE ALL ${change};`;
  if (role === null) return `ALTER DATABASE ${quoteIdent(currentDatabase)} ${change};`;
  return `ALTER ROLE ${quoteIdent(role)}${database === null ? '' : ` IN DATABASE ${quoteIdent(currentDatabase)}`} ${change};`;
}
