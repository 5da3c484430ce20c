/**
 * Which tables and views the migration covers: every tenant table and view the
 * audit flagged, or the tables named with --table.
 */
import { tableKey, type Catalog, type Grant, type Privilege, type Table, type View } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';
import { TenantguardError } from '../../errors.js';
import { displayName } from '../../sql/quote.js';
import { hasPrivilegesOf, PUBLIC, type RoleGraph } from '../../tenancy/roles.js';
import type { Tenancy, TenantTable } from '../../tenancy/types.js';
import { RULES_FIXED_BY_SCAFFOLD } from './types.js';

/** `schema.table` of the table a finding is about (the table itself, or the table of its policy/column/…). */
export function findingTableKey(finding: Finding): string | null {
  const { kind, schema, name, table } = finding.object;
  if (schema === null) return null;
  if (kind === 'table') return `${schema}.${name}`;
  if ((kind === 'policy' || kind === 'column' || kind === 'constraint' || kind === 'index') && table) return `${schema}.${table}`;
  return null;
}

/** A finding the migration can do something about. */
export function isActionable(finding: Finding): boolean {
  return RULES_FIXED_BY_SCAFFOLD.includes(finding.rule) || Boolean(finding.fix?.sql);
}

export function selectTables(
  tenancy: Tenancy,
  findings: readonly Finding[],
  names: readonly string[] | null,
): { selected: TenantTable[]; skipped: Table[] } {
  let candidates: TenantTable[];
  if (names === null) {
    const flagged = new Set(findings.filter(isActionable).map(findingTableKey));
    candidates = tenancy.tenantTables.filter((t) => flagged.has(tableKey(t.table)));
  } else {
    candidates = names.map((n) => resolveTable(tenancy, n));
    candidates = candidates.filter((t, i) => candidates.findIndex((c) => c.table === t.table) === i);
  }
  // Postgres cannot put RLS on a foreign table (docs/postgres-rls.md#materialized-and-foreign).
  return {
    selected: candidates.filter((t) => t.table.kind !== 'foreign-table'),
    skipped: candidates.filter((t) => t.table.kind === 'foreign-table').map((t) => t.table),
  };
}

/** Accepts `name`, `schema.name`, or the quoted display form (`public."Order Items"`). */
function resolveTable(tenancy: Tenancy, wanted: string): TenantTable {
  const all = [...tenancy.tenantTables.map((t) => t.table), ...tenancy.globalTables, ...(tenancy.root ? [tenancy.root] : [])];
  const matches = (t: Table) =>
    t.name === wanted || `${t.schema}.${t.name}` === wanted || displayName(t.schema, t.name) === wanted || displayName(null, t.name) === wanted;
  const qualified = all.filter((t) => `${t.schema}.${t.name}` === wanted || displayName(t.schema, t.name) === wanted);
  const found = qualified.length > 0 ? qualified : all.filter(matches);
  if (found.length > 1) {
    throw new TenantguardError(
      `--table ${wanted} is ambiguous: ${found.map((t) => displayName(t.schema, t.name)).join(', ')}`,
      'qualify it with its schema, e.g. --table public.projects',
    );
  }
  const table = found[0];
  if (!table) {
    throw new TenantguardError(`--table ${wanted}: no such tenant table`, 'run `tenantguard audit` to list the tenant tables');
  }
  const tenant = tenancy.tenantTables.find((t) => t.table === table);
  if (!tenant) {
    const why = table === tenancy.root ? 'the tenant root' : 'a global table';
    throw new TenantguardError(
      `--table ${wanted}: ${displayName(table.schema, table.name)} is ${why}, not a tenant table`,
      'tenant policies belong on tables that hold one tenant\'s rows',
    );
  }
  return tenant;
}

/** `role` holds `privilege` on an object through its own, an inherited or a PUBLIC grant. */
function holds(grants: readonly Grant[], role: string, privilege: Privilege, graph: RoleGraph): boolean {
  return grants.some((g) => g.privileges.includes(privilege) && (g.grantee === PUBLIC || hasPrivilegesOf(graph, role, g.grantee)));
}

/**
 * Views to switch to security_invoker: those view-bypasses-rls flagged (with
 * --table, only those reading a selected table), and every view the app role
 * reads over a table this migration puts under RLS — otherwise it would run
 * with its owner's rights: a superuser owner sees every tenant, a table owner
 * under FORCE sees nothing (docs/postgres-rls.md#views). Skipped, with a note, when the app role could
 * not read the tables itself (the view would fail for it).
 */
export function selectViews(
  catalog: Catalog,
  tenancy: Tenancy,
  findings: readonly Finding[],
  selected: ReadonlySet<string>,
  onlySelected: boolean,
  appRole: string,
): { views: View[]; notes: string[] } {
  const flagged = new Set(
    findings.filter((f) => f.rule === 'view-bypasses-rls' && f.object.schema !== null).map((f) => `${f.object.schema}.${f.object.name}`),
  );
  const byKey = new Map(catalog.tables.map((t) => [tableKey(t), t]));
  const notes: string[] = [];
  const views = catalog.views
    .filter((v) => v.kind === 'view' && !v.securityInvoker)
    .filter((v) => {
      const readsSelected = v.dependsOn.some((d) => selected.has(tableKey(d)));
      if (flagged.has(tableKey(v))) return !onlySelected || readsSelected;
      return readsSelected && holds(v.grants, appRole, 'SELECT', tenancy.roles);
    })
    .filter((v) => {
      const unreadable = v.dependsOn.filter((d) => {
        const table = byKey.get(tableKey(d));
        return table !== undefined && !holds(table.grants, appRole, 'SELECT', tenancy.roles) && table.owner !== appRole;
      });
      if (unreadable.length === 0) return true;
      notes.push(
        `${displayName(v.schema, v.name)} runs with its owner's rights; security_invoker would make it fail for ${appRole}, ` +
          `which cannot read ${unreadable.map((d) => displayName(d.schema, d.name)).join(', ')}: grant that, or revoke the view.`,
      );
      return false;
    })
    .sort((a, b) => (tableKey(a) < tableKey(b) ? -1 : tableKey(a) > tableKey(b) ? 1 : 0));
  return { views, notes };
}
