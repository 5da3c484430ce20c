import { displayName } from '../sql/quote.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

/**
 * A tenant table whose CREATE TABLE the embedded engine had to skip (it needs
 * an extension the engine does not ship) is not in the catalog the other
 * rules read: nothing can be proven about it offline, and saying nothing
 * would look like a clean table.
 */
export default defineRule({
  id: 'offline-table-skipped',
  title: 'Tenant table not audited offline: its migration needs an unavailable extension',
  defaultSeverity: 'warning',
  description:
    'Offline, the CREATE TABLE of a table with the tenant column was skipped because it needs an extension the embedded engine does not ship, so its policies and grants could not be checked (offline audits only).',
  check(ctx) {
    const column = ctx.tenancy.tenantColumn;
    const problems: Problem[] = [];
    for (const table of ctx.migrations?.skippedTables ?? []) {
      if (!table.columns.includes(column)) continue;
      const name = displayName(table.schema, table.name);
      problems.push({
        object: { kind: 'table', schema: table.schema, name: table.name },
        location: table.location,
        message:
          `could not audit ${name} offline: its CREATE TABLE at ${table.location.file}:${table.location.line} was skipped ` +
          `(${table.reason}), so its row level security, policies and grants were not checked; ` +
          'audit a database that has it with --db URL, or create a stand-in for the missing extension with --setup FILE',
      });
    }
    return problems;
  },
});
