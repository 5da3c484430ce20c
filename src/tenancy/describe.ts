/**
 * Wording shared by rule messages: which path makes a table a tenant table,
 * and who can do what on a table. Messages name roles and commands the way
 * Postgres decides them (src/tenancy/roles.ts).
 */
import type { Privilege, QualifiedName, Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { PUBLIC, ownerAccess, reachingRoles, tablePrivileges } from './roles.js';
import type { Tenancy, TenantTable } from './types.js';

const MAX_ROLES_NAMED = 5;
const ROW_COMMANDS: readonly Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

function nodeName(node: QualifiedName, originSchema: string): string {
  return node.schema === originSchema ? displayName(null, node.name) : displayName(node.schema, node.name);
}

/**
 * `tasks.project_id → projects → organizations`: each hop as the referencing
 * table and its FK columns, then the table it ends at, then the root when the
 * path ends at a table that has the tenant column.
 */
export function describeForeignKeyPath(tenancy: Tenancy, tenantTable: TenantTable): string {
  const origin = tenantTable.table.schema;
  const parts = tenantTable.path.map(
    (hop) => `${nodeName(hop.from, origin)}.${hop.columns.map((c) => displayName(null, c)).join(', ')}`,
  );
  const last = tenantTable.path.at(-1);
  if (last === undefined) return nodeName(tenantTable.table, origin);
  parts.push(nodeName(last.to, origin));
  const root = tenancy.root;
  const endsAtRoot = root !== null && root.schema === last.to.schema && root.name === last.to.name;
  if (root !== null && !endsAtRoot) parts.push(nodeName(root, origin));
  return parts.join(' → ');
}

/** The tenant-table entry a table's partitions inherit from, or null when the table is not a partition of one. */
export function tenantParentOf(tenancy: Tenancy, table: Table): TenantTable | null {
  if (table.partitionOf === null) return null;
  return tenancy.tenantTableByKey.get(`${table.partitionOf.schema}.${table.partitionOf.name}`) ?? null;
}

/** `app_user (SELECT, INSERT)`, `reporter (SET ROLE to the owner migrator)`, `PUBLIC, i.e. every role (SELECT)`. */
function describeRole(tenancy: Tenancy, role: string, table: Table): string {
  const privileges =
    role === PUBLIC
      ? table.grants.filter((g) => g.grantee === PUBLIC).flatMap((g) => g.privileges)
      : tablePrivileges(tenancy.roles, role, table);
  const name = role === PUBLIC ? 'PUBLIC, i.e. every role' : displayName(null, role);
  // Name the row commands RLS is about; other privileges only when the role has nothing else.
  const rowCommands = privileges.filter((p) => ROW_COMMANDS.includes(p));
  if (privileges.length > 0) return `${name} (${(rowCommands.length > 0 ? rowCommands : privileges).join(', ')})`;
  if (role !== PUBLIC && ownerAccess(tenancy.roles, role, table) === 'can-set-role-to-owner') {
    return `${name} (after SET ROLE to its owner ${displayName(null, table.owner)})`;
  }
  return `${name} (after SET ROLE to a role with privileges on it)`;
}

/**
 * Who reaches the table and with which privileges — `app_user (SELECT,
 * INSERT), PUBLIC, i.e. every role (SELECT)` — or null when no role the
 * verdicts are about reaches it (see reachingRoles).
 */
export function describeAccess(tenancy: Tenancy, table: Table): string | null {
  const roles = reachingRoles(tenancy, table);
  if (roles.length === 0) return null;
  const named = roles.slice(0, MAX_ROLES_NAMED).map((role) => describeRole(tenancy, role, table));
  const more = roles.length - named.length;
  return named.join(', ') + (more > 0 ? ` and ${more} more role${more === 1 ? '' : 's'}` : '');
}

/** What to say when describeAccess has no one to name: who can reach the table today. */
export function describeNoAccess(tenancy: Tenancy, table: Table): string {
  return tenancy.appRole !== null
    ? `the app role ${displayName(null, tenancy.appRole)} has no access to it today`
    : `no role but its owner ${displayName(null, table.owner)} (and superusers) has access to it today`;
}
