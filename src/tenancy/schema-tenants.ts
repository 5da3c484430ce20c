/**
 * Schema-per-tenant layouts (config `schemaPerTenant`): each tenant's rows
 * live in its own schema, and what keeps a session inside one tenant is who
 * may use which schema. Postgres needs two privileges to touch a row there
 * (ddl-schemas-priv, docs/postgres-rls.md#schema-usage): USAGE on the schema
 * and a privilege on the table; either one alone gives nothing. Both are
 * resolved the way has_schema_privilege / has_table_privilege resolve them —
 * grants to the role, to roles it inherits (INHERIT memberships), to PUBLIC,
 * and pg_read_all_data / pg_write_all_data — and, as a weaker route, the
 * same after a SET ROLE the role may issue itself.
 *
 * Whose schema is whose: the tenant role of a schema is its owner when that
 * role owns no other tenant schema, else the role named like the schema (the
 * name `$user` in the default search_path resolves to), else unknown.
 */
import type { Catalog, Privilege, TenantSchema, TenantSchemaRelation } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { hasPrivilegesOf, PUBLIC, settableRoles, type RoleGraph } from './roles.js';
import type { Tenancy } from './types.js';

/** What the layout is derived from: the catalog and the tenancy built from it. */
export interface SchemaTenancyInput {
  catalog: Catalog;
  tenancy: Tenancy;
}

/** How a role holds a privilege. */
export type Route =
  /** granted to the role itself (or it is the owner, whose default ACL grants it) */
  | { kind: 'own' }
  /** granted to a role it inherits the privileges of */
  | { kind: 'member'; role: string }
  | { kind: 'public' }
  /** held by a role it can SET ROLE to (without inheriting it) */
  | { kind: 'set-role'; role: string };

/** Privileges that read or change rows. */
const ROW_PRIVILEGES: readonly Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

interface AclEntry {
  grantee: string;
  privileges: readonly string[];
}

/** pg_read_all_data / pg_write_all_data (PG 14+) hold USAGE on every schema and row privileges on every table. */
const PREDEFINED_SCHEMA: AclEntry[] = [
  { grantee: 'pg_read_all_data', privileges: ['USAGE'] },
  { grantee: 'pg_write_all_data', privileges: ['USAGE'] },
];
const PREDEFINED_TABLE: AclEntry[] = [
  { grantee: 'pg_read_all_data', privileges: ['SELECT'] },
  { grantee: 'pg_write_all_data', privileges: ['INSERT', 'UPDATE', 'DELETE'] },
];

/** The best route by which `role` holds `privilege` under `acl`: own grant, inherited, PUBLIC, then after SET ROLE. */
export function routeTo(graph: RoleGraph, role: string, acl: readonly AclEntry[], privilege: string): Route | null {
  const granted = acl.filter((g) => g.privileges.includes(privilege));
  if (role === PUBLIC) return granted.some((g) => g.grantee === PUBLIC) ? { kind: 'public' } : null;
  if (granted.some((g) => g.grantee === role)) return { kind: 'own' };
  const inherited = granted.find((g) => g.grantee !== PUBLIC && hasPrivilegesOf(graph, role, g.grantee));
  if (inherited) return { kind: 'member', role: inherited.grantee };
  if (granted.some((g) => g.grantee === PUBLIC)) return { kind: 'public' };
  for (const other of settableRoles(graph, role).slice(1)) {
    if (granted.some((g) => g.grantee !== PUBLIC && hasPrivilegesOf(graph, other, g.grantee))) return { kind: 'set-role', role: other };
  }
  return null;
}

export interface RelationAccess {
  relation: TenantSchemaRelation;
  /** Row privileges held, table-level or on some columns. */
  privileges: Privilege[];
  route: Route;
  /** Only through column grants. */
  columnsOnly: boolean;
  /**
   * Why the rows it reaches cannot be called another tenant's: `rls` — row level security is on and applies to
   * the role, so its policies (not read here) decide; `view` — a view's rows are whatever its definition selects;
   * `own-object` — the role owns it itself (it created it there): its rows are the other tenant's only if that
   * tenant's sessions wrote them into it. null = a table, partition, foreign table or materialized view of that
   * schema, read as is.
   */
  unproven: 'rls' | 'view' | 'own-object' | null;
}

export interface SchemaReach {
  schema: TenantSchema;
  usage: Route;
  create: Route | null;
  /** Relations of the schema the role holds a row privilege on. */
  relations: RelationAccess[];
}

export type RoleKind =
  /** the tenant role of one (or more) schemas */
  | 'tenant'
  /** the app role, a platform role, or a role that reaches every tenant schema or owns several: one role for all tenants */
  | 'shared'
  /** reaches several tenant schemas, none of which is known to be its own — or owns one and reaches them all */
  | 'unknown';

export interface TenantSchemaRole {
  role: string;
  kind: RoleKind;
  /** Schemas whose tenant role it is. */
  own: string[];
  /** Tenant schemas it holds USAGE on; for a role, not those it reaches only through PUBLIC (PUBLIC's entry stands for them). */
  reaches: SchemaReach[];
}

export interface SchemaTenancy {
  glob: string;
  schemas: TenantSchema[];
  /** schema name → its tenant role, or null when it cannot be told. */
  tenantRoleOf: ReadonlyMap<string, string | null>;
  /** Roles (not superusers, not pg_*) that reach at least one tenant schema, sorted; PUBLIC last when it does. */
  roles: TenantSchemaRole[];
}

function schemaAcl(schema: TenantSchema): AclEntry[] {
  return [...schema.grants, ...PREDEFINED_SCHEMA];
}

function relationAccess(graph: RoleGraph, role: string, relation: TenantSchemaRelation): RelationAccess | null {
  const tableAcl = [...relation.grants, ...PREDEFINED_TABLE];
  const held: Privilege[] = [];
  let route: Route | null = null;
  let columnsOnly = true;
  for (const privilege of ROW_PRIVILEGES) {
    const table = routeTo(graph, role, tableAcl, privilege);
    const column = table ? null : routeTo(graph, role, relation.columnGrants, privilege);
    const found = table ?? column;
    if (!found) continue;
    held.push(privilege);
    if (table) columnsOnly = false;
    if (route === null || rank(found) < rank(route)) route = found;
  }
  if (route === null) return null;
  const owner = role !== PUBLIC && hasPrivilegesOf(graph, role, relation.owner);
  const bypass = role !== PUBLIC && (graph.roles.get(role)?.bypassRls ?? false);
  const rlsDecides = relation.rlsEnabled && !bypass && !(owner && !relation.rlsForced);
  const unproven = relation.owner === role ? 'own-object' : rlsDecides ? 'rls' : relation.kind === 'view' ? 'view' : null;
  return { relation, privileges: held, route, columnsOnly, unproven };
}

const ROUTE_RANK: Record<Route['kind'], number> = { own: 0, member: 1, public: 2, 'set-role': 3 };
const rank = (route: Route) => ROUTE_RANK[route.kind];

function reachOf(graph: RoleGraph, role: string, schema: TenantSchema): SchemaReach | null {
  const acl = schemaAcl(schema);
  const usage = routeTo(graph, role, acl, 'USAGE');
  if (usage === null) return null;
  const relations = schema.relations.flatMap((r) => relationAccess(graph, role, r) ?? []);
  return { schema, usage, create: routeTo(graph, role, acl, 'CREATE'), relations };
}

function publicOnly(reach: SchemaReach): boolean {
  return reach.usage.kind === 'public' && reach.relations.every((a) => a.route.kind === 'public');
}

function tenantRoles(graph: RoleGraph, schemas: readonly TenantSchema[]): Map<string, string | null> {
  const owned = new Map<string, number>();
  for (const s of schemas) owned.set(s.owner, (owned.get(s.owner) ?? 0) + 1);
  const eligible = (role: string) => {
    const r = graph.roles.get(role);
    return r !== undefined && !r.superuser && !role.startsWith('pg_');
  };
  return new Map(
    schemas.map((s) => {
      if (eligible(s.owner) && owned.get(s.owner) === 1) return [s.name, s.owner];
      if (eligible(s.name) && (owned.get(s.name) ?? 0) <= 1) return [s.name, s.name];
      return [s.name, null];
    }),
  );
}

function kindOf(tenancy: Tenancy, role: string, own: string[], reaches: number, total: number, ownsMany: boolean): RoleKind {
  if (role === tenancy.appRole || tenancy.platformRoles.has(role)) return 'shared';
  // owning one schema and reaching all of them fits a tenant role granted everything as well as a shared role
  // that happens to own one (schemas restored or created by another role): not provable either way
  if (own.length > 0 && total > 1 && reaches === total) return 'unknown';
  if (own.length > 0) return 'tenant';
  if (ownsMany || (total > 1 && reaches === total)) return 'shared';
  return 'unknown';
}

const memo = new WeakMap<object, SchemaTenancy | null>();

/** The schema-per-tenant layout of the audited database; null when `schemaPerTenant` is not configured. */
export function schemaTenancy(ctx: SchemaTenancyInput): SchemaTenancy | null {
  // rules share one derivation per audit: the tenancy object is built once per context
  const known = memo.get(ctx.tenancy);
  if (known !== undefined) return known;
  const layout = ctx.catalog.tenantSchemas;
  if (layout === null) {
    memo.set(ctx.tenancy, null);
    return null;
  }
  const graph = ctx.tenancy.roles;
  const tenantRoleOf = tenantRoles(graph, layout.schemas);
  const ownedCount = new Map<string, number>();
  for (const s of layout.schemas) ownedCount.set(s.owner, (ownedCount.get(s.owner) ?? 0) + 1);
  const candidates = [...graph.roles.values()].filter((r) => !r.superuser && !r.name.startsWith('pg_')).map((r) => r.name).sort();
  const roles: TenantSchemaRole[] = [];
  for (const role of [...candidates, PUBLIC]) {
    // what a role reaches only through PUBLIC is PUBLIC's entry: every role reaches it alike
    const reaches = layout.schemas.flatMap((s) => reachOf(graph, role, s) ?? []).filter((r) => role === PUBLIC || !publicOnly(r));
    if (reaches.length === 0) continue;
    const own = role === PUBLIC ? [] : layout.schemas.filter((s) => tenantRoleOf.get(s.name) === role).map((s) => s.name);
    const kind = role === PUBLIC ? 'unknown' : kindOf(ctx.tenancy, role, own, reaches.length, layout.schemas.length, (ownedCount.get(role) ?? 0) > 1);
    roles.push({ role, kind, own, reaches });
  }
  const result: SchemaTenancy = { glob: layout.glob, schemas: layout.schemas, tenantRoleOf, roles };
  memo.set(ctx.tenancy, result);
  return result;
}

/** How a route reads in a message: `granted to tenant_a`, `through its membership in app_owner`, … */
export function routeText(route: Route): string {
  switch (route.kind) {
    case 'own':
      return 'granted to it';
    case 'member':
      return `through its membership in ${displayName(null, route.role)}`;
    case 'public':
      return 'granted to PUBLIC';
    case 'set-role':
      return `after SET ROLE ${displayName(null, route.role)}`;
  }
}

/** `a, b, c and 4 more`. */
export function shortList(items: readonly string[], max = 5): string {
  const named = items.slice(0, max).join(', ');
  return items.length > max ? `${named} and ${items.length - max} more` : named;
}
