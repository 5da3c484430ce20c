/**
 * Who is who among roles, the way Postgres decides it (ddl-priv, role-membership):
 * - privileges of a role flow to its members only through INHERIT memberships
 *   (has_privs_of_role); a chain breaks at the first NOINHERIT edge;
 * - SET ROLE is possible through memberships with SET (always, before PG 16);
 * - superusers hold every privilege and may SET ROLE to anyone;
 * - BYPASSRLS and SUPERUSER are attributes: never inherited, only reached by SET ROLE;
 * - members of pg_read_all_data / pg_write_all_data (PG 14+) hold SELECT /
 *   INSERT, UPDATE, DELETE on every table without any grant.
 * `PUBLIC` stands for every role, current and future.
 */
import type { Privilege, Role, Table } from '../catalog/types.js';
import type { Tenancy } from './types.js';

export const PUBLIC = 'PUBLIC';

/**
 * A role the app's users reach the database through: the configured app role, or any judged role
 * but a hosting platform's own service roles (config `platformRoles`: Supabase's service_role,
 * supabase_auth_admin, …), whose access across tenants is what they are for.
 */
export function isAppFacing(tenancy: Pick<Tenancy, 'appRole' | 'platformRoles'>, role: string): boolean {
  return role === tenancy.appRole || !tenancy.platformRoles.has(role);
}

const ALL_PRIVILEGES: readonly Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
const READ_ALL_DATA = 'pg_read_all_data';
const WRITE_ALL_DATA = 'pg_write_all_data';

export interface RoleGraph {
  readonly roles: ReadonlyMap<string, Role>;
  /** Memo: role → roles whose privileges it holds through INHERIT memberships (itself included). */
  readonly inheritClosure: Map<string, ReadonlySet<string>>;
  /** Memo: role → roles it can SET ROLE to (itself included). */
  readonly setClosure: Map<string, ReadonlySet<string>>;
  /** Memo: role → roles that hold its privileges through INHERIT memberships (itself included). */
  readonly inheritedBy: Map<string, ReadonlySet<string>>;
  /** Memo: role → roles that can SET ROLE to it (itself included). */
  readonly settableBy: Map<string, ReadonlySet<string>>;
}

export function buildRoleGraph(roles: readonly Role[]): RoleGraph {
  return {
    roles: new Map(roles.map((r) => [r.name, r])),
    inheritClosure: new Map(),
    setClosure: new Map(),
    inheritedBy: new Map(),
    settableBy: new Map(),
  };
}

/** The reverse walk: which roles reach `start` through `follow` edges (itself included). */
function reverseClosure(graph: RoleGraph, start: string, follow: 'inherit' | 'set'): ReadonlySet<string> {
  const memo = follow === 'inherit' ? graph.inheritedBy : graph.settableBy;
  const known = memo.get(start);
  if (known) return known;
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const target = queue.shift()!;
    for (const role of graph.roles.values()) {
      if (!seen.has(role.name) && role.memberOf.some((edge) => edge.role === target && edge[follow])) {
        seen.add(role.name);
        queue.push(role.name);
      }
    }
  }
  memo.set(start, seen);
  return seen;
}

function closure(graph: RoleGraph, start: string, follow: 'inherit' | 'set'): ReadonlySet<string> {
  const memo = follow === 'inherit' ? graph.inheritClosure : graph.setClosure;
  const known = memo.get(start);
  if (known) return known;
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const edge of graph.roles.get(queue.shift()!)?.memberOf ?? []) {
      if (edge[follow] && !seen.has(edge.role)) {
        seen.add(edge.role);
        queue.push(edge.role);
      }
    }
  }
  memo.set(start, seen);
  return seen;
}

export function isSuperuser(graph: RoleGraph, role: string): boolean {
  return graph.roles.get(role)?.superuser ?? false;
}

/** has_privs_of_role(member, role): member may use role's privileges without SET ROLE. */
export function hasPrivilegesOf(graph: RoleGraph, member: string, role: string): boolean {
  return member === role || isSuperuser(graph, member) || closure(graph, member, 'inherit').has(role);
}

/** member_can_set_role(member, role). */
export function canSetRole(graph: RoleGraph, member: string, role: string): boolean {
  return member === role || isSuperuser(graph, member) || closure(graph, member, 'set').has(role);
}

/** Roles `role` can become with SET ROLE, itself first, the rest sorted. */
export function settableRoles(graph: RoleGraph, role: string): string[] {
  const rest = [...closure(graph, role, 'set')].filter((r) => r !== role).sort();
  return [role, ...rest];
}

/** The table privileges `role` holds (has_table_privilege), from grants to it, to roles it inherits, and to PUBLIC. */
export function tablePrivileges(graph: RoleGraph, role: string, table: Table): Privilege[] {
  if (isSuperuser(graph, role)) return [...ALL_PRIVILEGES];
  const inherited = role === PUBLIC ? new Set([PUBLIC]) : closure(graph, role, 'inherit');
  const held = new Set<Privilege>();
  for (const grant of table.grants) {
    if (grant.grantee === PUBLIC || inherited.has(grant.grantee)) for (const p of grant.privileges) held.add(p);
  }
  if (inherited.has(READ_ALL_DATA)) held.add('SELECT');
  if (inherited.has(WRITE_ALL_DATA)) for (const p of ['INSERT', 'UPDATE', 'DELETE'] as const) held.add(p);
  return ALL_PRIVILEGES.filter((p) => held.has(p));
}

export function hasTablePrivilege(graph: RoleGraph, role: string, table: Table, privilege: Privilege): boolean {
  return tablePrivileges(graph, role, table).includes(privilege);
}

/**
 * Who holds `privilege` on `table`: `PUBLIC` first when it is granted to
 * everyone, then every role that holds it by another route (own or inherited
 * grant, the owner's ACL entry, pg_read/write_all_data, superuser), sorted.
 * A role not listed holds it exactly when PUBLIC is listed.
 */
export function rolesWithPrivilege(graph: RoleGraph, table: Table, privilege: Privilege): string[] {
  const toPublic = table.grants.some((g) => g.grantee === PUBLIC && g.privileges.includes(privilege));
  const sources = table.grants.filter((g) => g.grantee !== PUBLIC && g.privileges.includes(privilege)).map((g) => g.grantee);
  if (privilege === 'SELECT') sources.push(READ_ALL_DATA);
  if (privilege === 'INSERT' || privilege === 'UPDATE' || privilege === 'DELETE') sources.push(WRITE_ALL_DATA);
  const holders = new Set([...graph.roles.values()].filter((r) => r.superuser).map((r) => r.name));
  for (const source of sources) for (const role of reverseClosure(graph, source, 'inherit')) holders.add(role);
  const known = [...holders].filter((role) => graph.roles.has(role)).sort();
  return toPublic ? [PUBLIC, ...known] : known;
}

export type OwnerAccess = 'owner' | 'member-of-owner' | 'can-set-role-to-owner';

/**
 * How `role` acts as the table's owner: it is the owner, a member of it through
 * INHERIT memberships (has_privs_of_role — RLS treats it as the owner), or able
 * to SET ROLE to it. Superusers are left out: they bypass RLS by attribute
 * whatever the owner (see rlsBypass).
 */
export function ownerAccess(graph: RoleGraph, role: string, table: Table): OwnerAccess | null {
  if (role === table.owner) return 'owner';
  if (closure(graph, role, 'inherit').has(table.owner)) return 'member-of-owner';
  if (closure(graph, role, 'set').has(table.owner)) return 'can-set-role-to-owner';
  return null;
}

export function isOwnerOrMemberOfOwner(graph: RoleGraph, role: string, table: Table): boolean {
  const access = ownerAccess(graph, role, table);
  return access === 'owner' || access === 'member-of-owner';
}

export interface RlsBypass {
  /** The role holding the attribute: `role` itself or one it can SET ROLE to. */
  via: string;
  attribute: 'superuser' | 'bypassrls';
}

/** SUPERUSER or BYPASSRLS on the role itself, or on a role it can SET ROLE to (attributes are not inherited). */
export function rlsBypass(graph: RoleGraph, role: string): RlsBypass | null {
  for (const candidate of settableRoles(graph, role)) {
    const r = graph.roles.get(candidate);
    if (r?.superuser) return { via: candidate, attribute: 'superuser' };
    if (r?.bypassRls) return { via: candidate, attribute: 'bypassrls' };
  }
  return null;
}

export function bypassesRls(graph: RoleGraph, role: string): boolean {
  return rlsBypass(graph, role) !== null;
}

/** `role` can touch the table at all: some privilege on it, as itself or after SET ROLE, or it can become the owner. */
export function canReachTable(graph: RoleGraph, role: string, table: Table): boolean {
  if (ownerAccess(graph, role, table) !== null) return true;
  return settableRoles(graph, role).some((r) => tablePrivileges(graph, r, table).length > 0);
}

/**
 * The roles whose access to the table the verdicts are about.
 * - App role configured: that role, when it can reach the table (a role
 *   missing from the database is judged as a plain role: PUBLIC grants only).
 * - Otherwise every role that reaches it other than through PUBLIC, except
 *   the actual owner (owning the data is not a leak; FORCE is judged on the
 *   roles beside it), superusers (they bypass RLS by design) and predefined
 *   pg_* roles; members of the owner and roles that can SET ROLE to it are
 *   included. `PUBLIC` is added when the table is granted to PUBLIC, standing
 *   for every other role, current and future.
 */
export function reachingRoles(tenancy: Tenancy, table: Table): string[] {
  const graph = tenancy.roles;
  if (tenancy.appRole !== null) return canReachTable(graph, tenancy.appRole, table) ? [tenancy.appRole] : [];
  // Walk back from whoever holds privileges (grantees, the owner, pg_*_all_data) to the roles that inherit them.
  const sources = [table.owner, READ_ALL_DATA, WRITE_ALL_DATA, ...table.grants.filter((g) => g.grantee !== PUBLIC).map((g) => g.grantee)];
  const found = new Set(reverseClosure(graph, table.owner, 'set'));
  for (const source of sources) for (const role of reverseClosure(graph, source, 'inherit')) found.add(role);
  const roles = [...found]
    .filter((name) => {
      const role = graph.roles.get(name);
      return role !== undefined && !role.superuser && name !== table.owner && !name.startsWith('pg_');
    })
    .sort();
  const toPublic = table.grants.some((g) => g.grantee === PUBLIC && g.privileges.length > 0);
  return toPublic ? [...roles, PUBLIC] : roles;
}
