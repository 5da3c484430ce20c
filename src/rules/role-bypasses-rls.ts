import type { Table } from '../catalog/types.js';
import { displayName, quoteIdent } from '../sql/quote.js';
import { forceRls } from '../sql/statements.js';
import { tableLabel } from '../tenancy/describe-policy.js';
import { canReachTable, ownerAccess, PUBLIC, reachingRoles, rlsBypass, type OwnerAccess } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

const MAX_TABLES = 5;
const name = (role: string) => displayName(null, role);

/** The app role, or every role that reaches some tenant table. */
function judgedRoles(tenancy: Tenancy): string[] {
  if (tenancy.appRole !== null) return tenancy.roles.roles.has(tenancy.appRole) ? [tenancy.appRole] : [];
  const roles = new Set<string>();
  for (const { table } of tenancy.tenantTables) for (const r of reachingRoles(tenancy, table)) if (r !== PUBLIC) roles.add(r);
  return [...roles].sort();
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

function problemFor(tenancy: Tenancy, role: string): Problem | null {
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
  return {
    object: { kind: 'role', schema: null, name: role },
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
    return judgedRoles(tenancy).flatMap((role) => problemFor(tenancy, role) ?? []);
  },
});
