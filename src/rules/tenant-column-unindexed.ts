import { createIndex } from '../sql/statements.js';
import { tableLabel } from '../tenancy/describe-policy.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'tenant-column-unindexed',
  title: 'Tenant column without an index',
  defaultSeverity: 'info',
  description:
    'Every query on a tenant table filters by the tenant column through its policy; without an index whose first column is the tenant column each query reads the whole table.',
  check({ tenancy }) {
    const col = tenancy.tenantColumn;
    const problems: Problem[] = [];
    for (const { table, direct } of tenancy.tenantTables) {
      // partitions get their indexes from the parent's partitioned index: reported once, on the parent
      if (!direct || table.partitionOf !== null || table.kind === 'foreign-table') continue;
      if (table.indexes.some((i) => i.columns[0] === col && !i.partial)) continue;
      let name = `${table.name}_${col}_idx`;
      while (Buffer.byteLength(name) > 63) name = name.slice(0, -1);
      problems.push({
        object: { kind: 'table', schema: table.schema, name: table.name },
        message: `${tableLabel(table)} has no index whose first column is ${col}: the tenant filter of every policy and query reads the whole table`,
        fix: {
          title: `Index ${tableLabel(table)} by ${col}`,
          sql: createIndex(table, [col], name),
        },
      });
    }
    return problems;
  },
});
