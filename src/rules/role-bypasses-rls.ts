import type { Table } from '../catalog/types.js';
import { displayName, quoteIdent } from '../sql/quote.js';
import { forceRls } from '../sql/statements.js';
import { tableLabel } from '../tenancy/describe-policy.js';
import { canReachTable, canSetRole, hasPrivilegesOf, ownerAccess, PUBLIC, reachingRoles, rlsBypass, type OwnerAccess } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

const MAX_TABLES = 5;
const name = (role: string) => displayName(null, role);

interface Judged {
  role: string;
  /** Bypasses RLS by design, and the app does not connect as it: info, not error. */
  byDesign: boolean;
}

/**
 * With an app role: the app role (error), and every other non-superuser role
 * that reaches a tenant table and that the app role cannot become — the
 * migration owner, platform roles — as info. Without one: every role that
 * reaches a tenant table, platform roles as info.
 */
function judgedRoles(tenancy: Tenancy): Judged[] {
  const graph = tenancy.roles;
  const app = tenancy.appRole;
  if (app !== null) {
    const others = [...graph.roles.values()]
      .filter((r) => !r.superuser && !r.name.startsWith('pg_') && r.name !== app && !canSetRole(graph, app, r.name) && !hasPrivilegesOf(graph, app, r.name))
      .filter((r) => tenancy.tenantTables.some(({ table }) => canReachTable(graph, r.name, table)))
      .map((r) => ({ role: r.name, byDesign: true }));
    return [...(graph.roles.has(app) ? [{ role: app, byDesign: false }] : []), ...others.sort((a, b) => (a.role < b.role ? -1 : 1))];
  }
  const roles = new Set<string>();
  for (const { table } of tenancy.tenantTables) for (const r of reachingRoles(tenancy, table)) if (r !== PUBLIC) roles.add(r);
  return [...roles].sort().map((role) => ({ role, byDesign: tenancy.platformRoles.has(role) }));
}

function tableList(tables: Table[]): string {
  const named = tables.slice(0, MAX_TABLES).map(tableLabel).join(', ');
  return tables.length > MAX_TABLES ? `${named} and ${tables.length - MAX_TABLES} more` : named;
}

const HOW: Record<OwnerAccess, (owner: string) => string> = {
  owner: () => 'owns',
  'member-of-owner': (owner) => `is a member (with INHERIT) of ${name(owner)}, so Postgres treats it as the owner of`,
  'can-set-role-to-owner': (owner) => `can SET ROLE ${name(owner)}, the owner of`,
};

function problemFor(tenancy: Tenancy, { role, byDesign }: Judged): Problem | null {
  const reasons: string[] = [];
  const fixes: string[] = [];
  const bypass = rlsBypass(tenancy.roles, role);
  if (bypass?.via === role) {
    reasons.push(`${name(role)} is ${bypass.attribute.toUpperCase()}, which ignores row level security even with FORCE`);
    fixes.push(`ALTER ROLE ${quoteIdent(role)} ${bypass.attribute === 'superuser' ? 'NOSUPERUSER' : 'NOBYPASSRLS'};`);
  } else if (bypass && tenancy.tenantTables.some(({ table }) => canReachTable(tenancy.roles, bypass.via, table))) {
    // BYPASSRLS grants no privilege: the role reached by SET ROLE must itself reach a tenant table
    reasons.push(`${name(role)} can SET ROLE ${name(bypass.via)}, which is ${bypass.attribute.toUpperCase()} and ignores row level security`);
    fixes.push(`REVOKE ${quoteIdent(bypass.via)} FROM ${quoteIdent(role)};`);
  }
  const owned = new Map<string, { access: OwnerAccess; owner: string; tables: Table[] }>();
  for (const { table } of tenancy.tenantTables) {
    if (table.kind === 'foreign-table' || !table.rlsEnabled || table.rlsForced) continue;
    const access = ownerAccess(tenancy.roles, role, table);
    if (access === null) continue;
    const key = `${access}|${table.owner}`;
    const entry = owned.get(key) ?? { access, owner: table.owner, tables: [] };
    entry.tables.push(table);
    owned.set(key, entry);
  }
  for (const { access, owner, tables } of owned.values()) {
    reasons.push(
      `${name(role)} ${HOW[access](owner)} ${tables.length} tenant table${tables.length === 1 ? '' : 's'} without FORCE ROW LEVEL SECURITY ` +
        `(${tableList(tables)}), whose policies the owner skips`,
    );
    for (const t of tables) fixes.push(forceRls(t));
  }
  if (reasons.length === 0) return null;
  // the tables it skips (rls-not-forced) are reported inside this finding
  const object = { kind: 'role' as const, schema: null, name: role };
  if (byDesign) {
    // Removing the bypass from a platform or migration role breaks what it is for; keeping the app off it is the point.
    const why =
      tenancy.appRole !== null
        ? `the app connects as ${name(tenancy.appRole)}, which cannot become ${name(role)}`
        : `${name(role)} is a platform role built to do so (the server-side role of a hosted Postgres)`;
    return {
      object,
      rootCause: true,
      severity: 'info',
      message: `${reasons.join('; ')}: ${why}, so this is not a path for the app's users — keep ${name(role)}'s credentials out of the app and its clients`,
    };
  }
  return {
    object,
    rootCause: true,
    message: `${reasons.join('; ')}: ${name(role)} reads and writes every tenant's rows`,
    fix: { title: `Stop ${name(role)} from bypassing row level security`, sql: fixes.join('\n') },
  };
}

export default defineRule({
  id: 'role-bypasses-rls',
  title: 'Role bypasses row level security',
  defaultSeverity: 'error',
  description:
    'A role that reaches tenant tables is superuser, has BYPASSRLS, owns the tables or is a member of their owner without FORCE, or can SET ROLE to such a role: no policy applies to it.',
  check({ tenancy }) {
    return judgedRoles(tenancy).flatMap((judged) => problemFor(tenancy, judged) ?? []);
  },
});
