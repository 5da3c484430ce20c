import { displayName, quoteIdent, quoteQualified } from '../sql/quote.js';
import { setNotNull } from '../sql/statements.js';
import { tenantParentOf } from '../tenancy/describe.js';
import { defineRule } from './define-rule.js';

export default defineRule({
  id: 'tenant-column-nullable',
  title: 'Tenant column allows NULL',
  defaultSeverity: 'warning',
  description:
    'A NULL tenant column makes a row that belongs to no tenant: hidden from every tenant by an equality policy, yet writable wherever policies do not pin the column.',
  check({ tenancy }) {
    const column = tenancy.tenantColumn;
    return tenancy.tenantTables
      .filter(({ table, direct }) => direct && table.kind !== 'foreign-table')
      // A partition's column is NOT NULL whenever its parent's is; the parent's fix covers it.
      .filter(({ table }) => tenantParentOf(tenancy, table) === null)
      .filter(({ table }) => table.columns.some((c) => c.name === column && !c.notNull))
      .map(({ table }) => {
        const target = quoteQualified(table.schema, table.name);
        return {
          object: { kind: 'column' as const, schema: table.schema, name: column, table: table.name },
          message:
            `${displayName(table.schema, table.name)}.${displayName(null, column)} allows NULL: a row with NULL ${column} ` +
            `belongs to no tenant. A policy ${column} = <tenant context> never matches it (NULL = x is not true), so no ` +
            `tenant can read it and a tenant-scoped WITH CHECK rejects it; yet whatever RLS does not bind to ${column} ` +
            `(RLS off, the owner without FORCE, BYPASSRLS roles, a policy that does not compare ${column}) can insert it, ` +
            `and a foreign key lets NULL through`,
          fix: {
            title: `Make ${column} NOT NULL on ${displayName(table.schema, table.name)}`,
            sql:
              `-- fails while rows with NULL ${column} exist: SELECT count(*) FROM ${target} WHERE ${quoteIdent(column)} IS NULL;\n` +
              setNotNull(table, column),
          },
        };
      });
  },
});
