/**
 * Planning for tables that reach their tenant only through foreign keys
 * (tasks → projects → organizations): they get their own tenant column,
 * typed like the root's key and backfilled along the FK path, so their
 * policies can compare a column of the row itself (one indexed equality per
 * row instead of a join).
 */
import { tableKey, type QualifiedName, type Table } from '../../catalog/types.js';
import { TenantguardError } from '../../errors.js';
import { displayName } from '../../sql/quote.js';
import type { Tenancy, TenantTable } from '../../tenancy/types.js';
import { boundedName } from './names.js';
import type { MigrationStep, TenantPredicate } from './types.js';

type AddColumnStep = Extract<MigrationStep, { kind: 'add-tenant-column' }>;

/**
 * One add-tenant-column step per indirect table, ordered so a table's parent
 * gets its column first; each backfill joins only as far as the nearest table
 * that has (or by then will have) the column.
 */
export function planTenantColumns(
  indirect: readonly TenantTable[],
  tenancy: Tenancy,
  predicateFor: (table: Table, columnType: string) => TenantPredicate | null,
): AddColumnStep[] {
  const root = tenancy.root && tenancy.rootKey ? { schema: tenancy.root.schema, name: tenancy.root.name, key: tenancy.rootKey.column, type: tenancy.rootKey.type } : null;
  const byKey = new Map<string, Table>();
  for (const t of tenancy.tenantTables) byKey.set(tableKey(t.table), t.table);
  if (tenancy.root) byKey.set(tableKey(tenancy.root), tenancy.root);

  const ordered = [...indirect].sort(
    (a, b) => a.path.length - b.path.length || compareNames(a.table, b.table),
  );
  const willHaveColumn = new Set<string>();
  const typeOf = new Map<string, string>();
  const steps: AddColumnStep[] = [];

  for (const entry of ordered) {
    const { table, path } = entry;
    const hops: AddColumnStep['hops'] = [];
    let sourceColumn: string | null = null;
    let columnType: string | null = null;
    for (const hop of path) {
      hops.push({ from: hop.from, to: hop.to, columns: hop.columns, referencedColumns: hop.referencedColumns });
      const target = byKey.get(tableKey(hop.to));
      const isRoot = tenancy.root !== null && tableKey(hop.to) === tableKey(tenancy.root);
      if (isRoot && root) {
        sourceColumn = root.key;
        columnType = root.type;
        break;
      }
      const own = target?.columns.find((c) => c.name === tenancy.tenantColumn);
      if (own || willHaveColumn.has(tableKey(hop.to))) {
        sourceColumn = tenancy.tenantColumn;
        columnType = own?.type ?? typeOf.get(tableKey(hop.to)) ?? null;
        break;
      }
    }
    if (!sourceColumn || !columnType) {
      throw new TenantguardError(
        `cannot tell where ${displayName(table.schema, table.name)} gets its ${tenancy.tenantColumn} from`,
        `add the column yourself, or set "tenantTable" in tenantguard.config.json so the tenant root is known`,
      );
    }
    const predicate = predicateFor(table, columnType);
    if (!predicate) continue;
    willHaveColumn.add(tableKey(table));
    typeOf.set(tableKey(table), columnType);
    steps.push({
      kind: 'add-tenant-column',
      table: { schema: table.schema, name: table.name },
      predicate,
      hops,
      sourceColumn,
      root: root ? { schema: root.schema, name: root.name, key: root.key } : null,
      constraintName: boundedName(`${table.name}_${tenancy.tenantColumn}`, '_fkey'),
      indexName: boundedName(`${table.name}_${tenancy.tenantColumn}`, '_idx'),
    });
  }
  return steps;
}

export function compareNames(a: QualifiedName, b: QualifiedName): number {
  return a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
