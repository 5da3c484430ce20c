import type { Table } from '../catalog/types.js';
import { revokeTruncate } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { granteesFor, rolesHolding } from '../tenancy/readers.js';
import { hasPrivilegesOf, PUBLIC } from '../tenancy/roles.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

const MAX_TABLES = 5;

function tableList(tables: readonly Table[]): string {
  const named = tables.slice(0, MAX_TABLES).map(tableLabel).join(', ');
  return tables.length > MAX_TABLES ? `${named} and ${tables.length - MAX_TABLES} more` : named;
}

/**
 * One finding per grantee whose grant gives TRUNCATE on tenant tables (the
 * role a REVOKE names): a `GRANT ALL ON ALL TABLES` is one cause, however
 * many tables it covers. Roles that hold it through that grantee are named.
 */
export default defineRule({
  id: 'truncate-granted',
  title: 'TRUNCATE granted on a tenant table',
  defaultSeverity: 'warning',
  description:
    'TRUNCATE is not subject to row level security: a role granted it on a tenant table can empty it for every tenant (destructive, but it reads or writes no other tenant rows).',
  check({ tenancy }) {
    const byGrantee = new Map<string, { tables: Table[]; holders: Set<string> }>();
    for (const { table } of tenancy.tenantTables) {
      if (table.kind === 'foreign-table') continue;
      const roles = rolesHolding(tenancy, table.grants, table.owner, 'TRUNCATE');
      if (roles.length === 0) continue;
      for (const grantee of granteesFor(tenancy, table.grants, table.owner, 'TRUNCATE', roles)) {
        const entry = byGrantee.get(grantee) ?? { tables: [], holders: new Set<string>() };
        entry.tables.push(table);
        for (const role of roles) {
          if (role !== grantee && role !== PUBLIC && grantee !== PUBLIC && hasPrivilegesOf(tenancy.roles, role, grantee)) entry.holders.add(role);
        }
        byGrantee.set(grantee, entry);
      }
    }
    const problems: Problem[] = [];
    for (const [grantee, { tables, holders }] of [...byGrantee].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const through = holders.size > 0 ? ` (held through it by ${roleNames([...holders].sort())})` : '';
      const count = tables.length === 1 ? tableLabel(tables[0]!) : `${tables.length} tenant tables (${tableList(tables)})`;
      problems.push({
        object: { kind: 'role', schema: null, name: grantee },
        message:
          `${roleNames([grantee])} is granted TRUNCATE on ${count}${through}: TRUNCATE is not subject to row level security, ` +
          `so one statement removes every ${tenantNoun(tenancy)}'s rows`,
        fix: {
          title: `Revoke TRUNCATE from ${roleNames([grantee])}`,
          sql: tables.map((t) => revokeTruncate(t, [grantee])).join('\n'),
        },
      });
    }
    return problems;
  },
});
