import type { Catalog, Table } from '../catalog/types.js';
import { DEFAULT_CONFIG } from './types.js';

/** Settings `tenantguard init` proposes, read from a real catalog where it can. */
export interface DetectedSettings {
  tenantColumn: string;
  tenantTable: string | null;
  contextSetting: string;
  appRole: string | null;
  schemas: string[] | null;
  /** One line per setting that was found in the database, for the user to check. */
  notes: string[];
}

/** Names multi-tenant schemas use for the tenant key, most common first. */
const TENANT_COLUMNS = ['organization_id', 'org_id', 'tenant_id', 'account_id', 'workspace_id', 'team_id', 'company_id', 'organisation_id'];

function mostCommon<T>(items: readonly T[]): T | null {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  let best: T | null = null;
  for (const [item, count] of counts) if (best === null || count > counts.get(best)!) best = item;
  return best;
}

function tablesWith(catalog: Catalog, column: string): Table[] {
  return catalog.tables.filter((t) => t.columns.some((c) => c.name === column));
}

/** The custom setting policies read with current_setting('…'), if they agree on one. */
function contextSettingIn(catalog: Catalog): string | null {
  const names = catalog.tables
    .flatMap((t) => t.policies)
    .flatMap((p) => [p.using, p.withCheck])
    .flatMap((expr) => [...(expr ?? '').matchAll(/current_setting\('([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)+)'/g)].map((m) => m[1]!));
  return mostCommon(names);
}

/** Tenant-looking columns the catalog has, each with the tables that have it, most widespread first. */
export function tenantColumnCandidates(catalog: Catalog): { name: string; tables: Table[] }[] {
  return TENANT_COLUMNS.map((name) => ({ name, tables: tablesWith(catalog, name) }))
    .filter((c) => c.tables.length > 0)
    .sort((a, b) => b.tables.length - a.tables.length);
}

/**
 * Proposes settings from what the database shows: the most widespread
 * tenant-looking column, the table its foreign keys point at, the setting
 * the policies read, the one login role that uses the tenant tables without
 * owning them, and the schemas that hold them. Defaults fill the rest.
 */
export function detectSettings(catalog: Catalog): DetectedSettings {
  const notes: string[] = [];
  const best = tenantColumnCandidates(catalog)[0];
  const tenantColumn = best?.name ?? DEFAULT_CONFIG.tenantColumn;
  const tenantTables = best?.tables ?? [];
  if (best) notes.push(`tenant column ${tenantColumn}: in ${tenantTables.length} table${tenantTables.length === 1 ? '' : 's'}`);

  const referenced = tenantTables.flatMap((t) =>
    t.constraints
      .filter((c) => c.type === 'foreign-key' && c.columns.length === 1 && c.columns[0] === tenantColumn && c.references)
      .map((c) => `${c.references!.schema}.${c.references!.name}`),
  );
  const root = mostCommon(referenced);
  const tenantTable = root === null ? null : root.startsWith('public.') ? root.slice('public.'.length) : root;
  if (root) notes.push(`tenant table ${root}: referenced by ${tenantColumn}`);

  const found = contextSettingIn(catalog);
  if (found) notes.push(`context setting ${found}: read by the policies`);

  const superusers = new Set(catalog.roles.filter((r) => r.superuser || r.bypassRls).map((r) => r.name));
  const owners = new Set(tenantTables.map((t) => t.owner));
  const loginRoles = new Set(catalog.roles.filter((r) => r.canLogin).map((r) => r.name));
  const users = [...new Set(tenantTables.flatMap((t) => t.grants.map((g) => g.grantee)))].filter(
    (role) => role !== 'PUBLIC' && !owners.has(role) && !superusers.has(role),
  );
  const logins = users.filter((role) => loginRoles.has(role));
  const appRole = users.length === 1 ? users[0]! : logins.length === 1 ? logins[0]! : null;
  if (appRole) notes.push(`app role ${appRole}: has grants on the tenant tables and owns none of them`);

  const schemas = [...new Set(tenantTables.map((t) => t.schema))].sort();
  return {
    tenantColumn,
    tenantTable,
    contextSetting: found ?? DEFAULT_CONFIG.contextSetting,
    appRole,
    schemas: schemas.length > 0 ? schemas : null,
    notes,
  };
}
