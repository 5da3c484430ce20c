import type { Index, Table } from '../catalog/types.js';
import { displayName, quoteIdent, quoteIdentList, quoteQualified } from '../sql/quote.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

function fixFor(tenancy: Tenancy, table: Table, index: Index): Fix | null {
  const columns = index.columns;
  if (index.partial || columns.some((c) => c === null)) return null;
  const keyed = [tenancy.tenantColumn, ...(columns as string[])];
  const target = quoteQualified(table.schema, table.name);
  if (index.constraint) {
    return {
      title: `Scope ${index.constraint} to the tenant`,
      sql: `ALTER TABLE ${target} DROP CONSTRAINT ${quoteIdent(index.constraint)},\n  ADD CONSTRAINT ${quoteIdent(index.constraint)} UNIQUE (${quoteIdentList(keyed)});`,
    };
  }
  return {
    title: `Scope ${index.name} to the tenant`,
    sql: `DROP INDEX ${quoteQualified(table.schema, index.name)};\nCREATE UNIQUE INDEX ${quoteIdent(index.name)} ON ${target} (${quoteIdentList(keyed)});`,
  };
}

export default defineRule({
  id: 'unique-not-tenant-scoped',
  title: 'Unique key not scoped to the tenant',
  defaultSeverity: 'warning',
  description:
    'A UNIQUE constraint or index on a tenant table without the tenant column is checked across all tenants: the unique-violation error tells one tenant what another already has.',
  check({ tenancy }) {
    const problems: Problem[] = [];
    for (const { table, direct } of tenancy.tenantTables) {
      // partitions carry copies of the parent's indexes: reported once, on the parent
      if (!direct || table.partitionOf !== null || table.kind === 'foreign-table') continue;
      const primary = table.constraints.find((c) => c.type === 'primary-key')?.columns ?? [];
      for (const index of table.indexes) {
        if (!index.unique || index.primary || index.columns.includes(tenancy.tenantColumn)) continue;
        // a key that contains the primary key cannot tell more than the primary key does
        if (primary.length > 0 && primary.every((c) => index.columns.includes(c))) continue;
        const kind = index.constraint ? 'constraint' : 'index';
        const name = index.constraint ?? index.name;
        const columns = index.columns.map((c) => c ?? '(expression)').join(', ');
        problems.push({
          object: { kind, schema: table.schema, name, table: table.name },
          message:
            `unique ${kind} ${displayName(null, name)} on ${tableLabel(table)} (${columns}) does not include ${tenancy.tenantColumn}: uniqueness is checked ` +
            `across every ${tenantNoun(tenancy)}, so a duplicate-key error tells one ${tenantNoun(tenancy)} that another already uses the value ` +
            '(constraint checks are not subject to row level security)',
          fix: fixFor(tenancy, table, index),
        });
      }
    }
    return problems;
  },
});
