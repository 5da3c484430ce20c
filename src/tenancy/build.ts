/**
 * Which tables hold tenant rows. A table is a tenant table when it has the
 * tenant column, when a chain of foreign keys (child → parent) leads from it to
 * such a table or to the tenant root, or when it is a partition of a tenant
 * table. The root itself and global tables are not tenant tables.
 */
import { tableKey, type Catalog, type Constraint, type Table } from '../catalog/types.js';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { displayName } from '../sql/quote.js';
import { buildRoleGraph } from './roles.js';
import type { ForeignKeyHop, RootKey, Tenancy, TenantTable } from './types.js';

const GLOBAL_MARKER = '@tenantguard global';

const byKeyOrder = (a: Table, b: Table) => compare(a.schema, b.schema) || compare(a.name, b.name);
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A config entry names a table as `name` or `schema.name` (quoted parts accepted). */
export function namesTable(entry: string, table: Table): boolean {
  return [table.name, tableKey(table), displayName(null, table.name), displayName(table.schema, table.name)].includes(entry);
}

function hasColumn(table: Table, column: string): boolean {
  return table.columns.some((c) => c.name === column);
}

function foreignKeys(table: Table): (Constraint & { references: NonNullable<Constraint['references']> })[] {
  return table.constraints.filter((c): c is Constraint & { references: NonNullable<Constraint['references']> } =>
    c.type === 'foreign-key' && c.references !== null,
  );
}

/** Referenced tables of single-column foreign keys on the tenant column, most referenced first. */
function tenantColumnTargets(catalog: Catalog, tenantColumn: string): { key: string; column: string; count: number }[] {
  const counts = new Map<string, { key: string; column: string; count: number }>();
  for (const table of catalog.tables) {
    for (const fk of foreignKeys(table)) {
      if (fk.columns.length !== 1 || fk.columns[0] !== tenantColumn) continue;
      const key = tableKey(fk.references);
      const entry = counts.get(key) ?? { key, column: fk.references.columns[0]!, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || compare(a.key, b.key));
}

function findRoot(catalog: Catalog, config: Config, targets: { key: string }[]): Table | null {
  const byKey = new Map(catalog.tables.map((t) => [tableKey(t), t]));
  if (config.tenantTable !== null) {
    const named = config.tenantTable;
    const matches = catalog.tables.filter((t) => namesTable(named, t));
    if (matches.length === 0) {
      throw new ConfigError(
        `tenant table "${named}" is not a table in the audited schemas (${catalog.schemas.join(', ') || 'none'})`,
        'set "tenantTable" (or --tenant-table) to an existing table, as name or schema.name',
      );
    }
    if (matches.length === 1) return matches[0]!;
    const referenced = targets.find((t) => matches.some((m) => tableKey(m) === t.key));
    if (referenced) return byKey.get(referenced.key)!;
    throw new ConfigError(
      `tenant table "${named}" is ambiguous: ${matches.map((m) => displayName(m.schema, m.name)).join(', ')}`,
      'write it as schema.name',
    );
  }
  for (const target of targets) {
    const table = byKey.get(target.key);
    if (table) return table;
  }
  const organizations = catalog.tables.filter((t) => t.name === 'organizations').sort(byKeyOrder);
  return organizations.find((t) => t.schema === 'public') ?? organizations[0] ?? null;
}

function findRootKey(root: Table | null, targets: { key: string; column: string }[]): RootKey | null {
  if (root === null) return null;
  const referenced = targets.find((t) => t.key === tableKey(root))?.column;
  const primary = root.constraints.find((c) => c.type === 'primary-key' && c.columns.length === 1)?.columns[0];
  const column = root.columns.find((c) => c.name === (referenced ?? primary));
  return column ? { column: column.name, type: column.type } : null;
}

/** Global: named in config, marked by comment, or a partition of a global table. */
function findGlobalKeys(catalog: Catalog, config: Config): Set<string> {
  const byKey = new Map(catalog.tables.map((t) => [tableKey(t), t]));
  const marked = (t: Table) =>
    config.globalTables.some((entry) => namesTable(entry, t)) || (t.comment ?? '').includes(GLOBAL_MARKER);
  const isGlobal = (t: Table, depth = 0): boolean => {
    if (marked(t)) return true;
    const parent = t.partitionOf ? byKey.get(tableKey(t.partitionOf)) : undefined;
    return parent !== undefined && depth < 64 && isGlobal(parent, depth + 1);
  };
  return new Set(catalog.tables.filter((t) => isGlobal(t)).map(tableKey));
}

/**
 * Multi-source BFS over reversed FK edges from the direct tenant tables and
 * the root: each other table gets its distance to the nearest of them, then
 * its path follows, at each step, the first FK (by constraint name, then
 * referenced table) that gets one step closer. Global tables are neither
 * targets nor stepping stones.
 */
function foreignKeyPaths(tables: Table[], targets: Set<string>, excluded: Set<string>): Map<string, ForeignKeyHop[]> {
  const reverse = new Map<string, Table[]>();
  for (const table of tables) {
    if (excluded.has(tableKey(table))) continue;
    for (const fk of foreignKeys(table)) {
      const parent = tableKey(fk.references);
      const children = reverse.get(parent);
      if (children) children.push(table);
      else reverse.set(parent, [table]);
    }
  }
  const distance = new Map<string, number>([...targets].map((k) => [k, 0]));
  const queue = [...targets].sort();
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const child of reverse.get(parent) ?? []) {
      const key = tableKey(child);
      if (distance.has(key)) continue;
      distance.set(key, distance.get(parent)! + 1);
      queue.push(key);
    }
  }
  const byKey = new Map(tables.map((t) => [tableKey(t), t]));
  const paths = new Map<string, ForeignKeyHop[]>();
  for (const [key, d] of distance) {
    if (d === 0) continue;
    const path: ForeignKeyHop[] = [];
    let current = byKey.get(key)!;
    for (let step = d; step > 0; step--) {
      const next = foreignKeys(current)
        .filter((fk) => distance.get(tableKey(fk.references)) === step - 1)
        .sort((a, b) => compare(a.name, b.name) || compare(tableKey(a.references), tableKey(b.references)))[0]!;
      const to = { schema: next.references.schema, name: next.references.name };
      path.push({ from: { schema: current.schema, name: current.name }, to, constraint: next.name, columns: next.columns, referencedColumns: next.references.columns });
      current = byKey.get(tableKey(to))!;
    }
    paths.set(key, path);
  }
  return paths;
}

export function buildTenancy(catalog: Catalog, config: Config): Tenancy {
  const column = config.tenantColumn;
  const targets = tenantColumnTargets(catalog, column);
  const root = findRoot(catalog, config, targets);
  const rootKey = root ? tableKey(root) : null;
  const globalKeys = findGlobalKeys(catalog, config);
  if (rootKey) globalKeys.delete(rootKey);
  const candidates = catalog.tables.filter((t) => tableKey(t) !== rootKey && !globalKeys.has(tableKey(t)));

  const direct = new Set(candidates.filter((t) => hasColumn(t, column)).map(tableKey));
  const excluded = new Set([...globalKeys, ...(rootKey ? [rootKey] : [])]);
  const paths = foreignKeyPaths(catalog.tables, new Set([...direct, ...(rootKey ? [rootKey] : [])]), excluded);

  const tenant = new Map<string, TenantTable>();
  for (const table of candidates) {
    const key = tableKey(table);
    if (direct.has(key)) tenant.set(key, { table, direct: true, reason: 'tenant-column', path: [] });
    else if (paths.has(key)) tenant.set(key, { table, direct: false, reason: 'foreign-key', path: paths.get(key)! });
  }
  // A partition holds its parent's rows: tenant whenever an ancestor is.
  const byKey = new Map(catalog.tables.map((t) => [tableKey(t), t]));
  const tenantAncestor = (t: Table, depth = 0): boolean => {
    const parent = t.partitionOf ? byKey.get(tableKey(t.partitionOf)) : undefined;
    return parent !== undefined && depth < 64 && (tenant.has(tableKey(parent)) || tenantAncestor(parent, depth + 1));
  };
  for (const table of candidates) {
    if (!tenant.has(tableKey(table)) && tenantAncestor(table)) {
      tenant.set(tableKey(table), { table, direct: false, reason: 'partition', path: [] });
    }
  }

  const tenantTables = [...tenant.values()].sort((a, b) => byKeyOrder(a.table, b.table));
  return {
    tenantColumn: column,
    contextSetting: config.contextSetting,
    root,
    rootKey: findRootKey(root, targets),
    tenantTables,
    tenantTableByKey: new Map(tenantTables.map((t) => [tableKey(t.table), t])),
    globalTables: catalog.tables.filter((t) => globalKeys.has(tableKey(t))).sort(byKeyOrder),
    appRole: config.appRole,
    platformRoles: new Set(config.platformRoles),
    anonRole: config.anonRole,
    roles: buildRoleGraph(catalog.roles),
  };
}
