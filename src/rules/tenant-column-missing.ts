import { tableKey, type Table } from '../catalog/types.js';
import { displayName, quoteIdent, quoteQualified } from '../sql/quote.js';
import { createIndex, setNotNull } from '../sql/statements.js';
import { describeForeignKeyPath, tenantParentOf } from '../tenancy/describe.js';
import { verdictOf, type PolicySemantics } from '../tenancy/effective.js';
import type { Tenancy, TenantTable } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix } from './types.js';

/** The type the new column must have: the tenant column of the table the path ends at, or the root's key. */
function tenantColumnType(tenancy: Tenancy, tenantTable: TenantTable): string | null {
  const end = tenancy.tenantTableByKey.get(tableKey(tenantTable.path.at(-1)!.to));
  if (end) return end.table.columns.find((c) => c.name === tenancy.tenantColumn)?.type ?? null;
  return tenancy.rootKey?.type ?? null;
}

function addTenantColumn(tenancy: Tenancy, tenantTable: TenantTable): Fix | null {
  const type = tenantColumnType(tenancy, tenantTable);
  if (type === null) return null;
  const { table } = tenantTable;
  const hop = tenantTable.path[0]!;
  const target = quoteQualified(table.schema, table.name);
  const column = quoteIdent(tenancy.tenantColumn);
  const parent = tenancy.tenantTableByKey.get(tableKey(hop.to));
  // From a tenant parent copy its tenant column; from the root take the key its FK points at.
  const source = parent ? column : quoteIdent(tenancy.rootKey?.column ?? hop.referencedColumns[0]!);
  const join = hop.columns.map((c, i) => `parent.${quoteIdent(hop.referencedColumns[i]!)} = child.${quoteIdent(c)}`).join(' AND ');
  const nullable = hop.columns.filter((c) => !table.columns.find((col) => col.name === c)?.notNull);
  const lines = [`ALTER TABLE ${target} ADD COLUMN ${column} ${type};`];
  if (parent && !parent.direct) {
    lines.push(`-- run after ${displayName(hop.to.schema, hop.to.name)} has ${tenancy.tenantColumn} (its own tenant-column-missing fix)`);
  }
  lines.push(
    `UPDATE ${target} AS child SET ${column} = parent.${source} FROM ${quoteQualified(hop.to.schema, hop.to.name)} AS parent WHERE ${join};`,
  );
  if (nullable.length > 0) {
    lines.push(`-- rows whose ${nullable.join(', ')} is NULL get no ${tenancy.tenantColumn}: assign or delete them before SET NOT NULL`);
  }
  lines.push(setNotNull(table, tenancy.tenantColumn));
  if (tenancy.root && tenancy.rootKey) {
    const root = quoteQualified(tenancy.root.schema, tenancy.root.name);
    lines.push(`ALTER TABLE ${target} ADD FOREIGN KEY (${column}) REFERENCES ${root} (${quoteIdent(tenancy.rootKey.column)});`);
  }
  lines.push(createIndex(table, [tenancy.tenantColumn]));
  return { title: `Add ${tenancy.tenantColumn} to ${displayName(table.schema, table.name)}, backfilled from ${displayName(hop.to.schema, hop.to.name)}`, sql: lines.join('\n') };
}

const SCOPED = new Set(['tenant-scoped', 'denied']);

/**
 * RLS is on, some permissive policy pins the rows to the tenant through the
 * parent (a join the analysis follows), and every role that reaches the table
 * gets only its tenant's rows: the missing column is then defence in depth and
 * performance, not a hole.
 */
function scopedThroughParent(policies: PolicySemantics, table: Table): boolean {
  if (!table.rlsEnabled) return false;
  const scoping = table.policies.some((p) => p.permissive && policies.clause(table, p, 'using')?.verdict.scope === 'tenant');
  if (!scoping) return false;
  return policies.accessesOf(table).every(
    (a) => a.exemption === null && (a.read === null || SCOPED.has(verdictOf(a.read))) && (a.check === null || SCOPED.has(verdictOf(a.check))),
  );
}

export default defineRule({
  id: 'tenant-column-missing',
  title: 'Tenant table without the tenant column',
  defaultSeverity: 'error',
  description:
    'A table whose rows belong to a tenant through a foreign-key path has no tenant column, so no policy can pin its rows to the tenant without a join.',
  check({ tenancy, policies }) {
    // A partition gets the column from its parent (ALTER TABLE on a partition cannot add one).
    return tenancy.tenantTables
      .filter((t) => t.reason === 'foreign-key' && tenantParentOf(tenancy, t.table) === null)
      .map((t) => {
        const name = displayName(t.table.schema, t.table.name);
        const path = describeForeignKeyPath(tenancy, t);
        const scoped = scopedThroughParent(policies, t.table);
        return {
          object: { kind: 'table' as const, schema: t.table.schema, name: t.table.name },
          ...(scoped ? { severity: 'warning' as const } : {}),
          message: scoped
            ? `${name} has no ${tenancy.tenantColumn} column: its policies keep each role to its tenant by joining through ${path}, ` +
              'which holds, but runs the join for every row and trusts that the parent key always points into the same tenant'
            : `${name} has no ${tenancy.tenantColumn} column, yet its rows belong to a tenant through ${path}, and no policy ` +
              `pins them to the tenant: a policy on it cannot compare ${tenancy.tenantColumn} with the tenant context and must ` +
              'join along that path in every statement',
          fix: addTenantColumn(tenancy, t),
        };
      });
  },
});
