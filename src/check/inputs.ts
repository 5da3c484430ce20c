/**
 * What must hold before the rules can say anything true about a database:
 * there are tables, the tenant column exists, and the app role named is a
 * role of this cluster. Each failure is one line and a hint (exit 2), never a
 * report that looks clean because an input was silently wrong.
 */
import type { Catalog } from '../catalog/types.js';
import { closestName } from '../closest-name.js';
import { tenantColumnCandidates } from '../config/detect.js';
import type { Source } from '../db/types.js';
import { TenantguardError } from '../errors.js';
import type { RuleContext } from '../rules/types.js';
import { canReachTable } from '../tenancy/roles.js';

const MAX_NAMED = 5;

function where(source: Source): string {
  return source.kind === 'database' ? `database "${source.name}"` : `the migrations in ${source.name}`;
}

function list(items: readonly string[]): string {
  const named = items.slice(0, MAX_NAMED).join(', ');
  return items.length > MAX_NAMED ? `${named} and ${items.length - MAX_NAMED} more` : named;
}

/**
 * A database with no table at all, or with tables none of which is a tenant
 * table, almost always means the wrong database, schema or tenant column:
 * reporting "0 problems" there would be a false all-clear. In a
 * schema-per-tenant layout the tenant schemas must exist instead.
 */
export function assertSomethingToAudit(catalog: Catalog, context: RuleContext, source: Source): void {
  const schemas = catalog.schemas.length > 0 ? ` (schemas: ${catalog.schemas.join(', ')})` : '';
  if (catalog.tenantSchemas !== null) {
    // a glob that matches nothing would report a clean schema-per-tenant layout that was never looked at
    if (catalog.tenantSchemas.schemas.length === 0) {
      throw new TenantguardError(
        `no schema in ${where(source)} matches the tenant-schema glob ${JSON.stringify(catalog.tenantSchemas.glob)}${schemas}`,
        'check --schema-per-tenant or "schemaPerTenant": * stands for any run of characters and ? for one, matched against the whole, case-sensitive schema name',
      );
    }
    // the tenant schemas are what is audited; a tenant column is needed only when some table has it (a hybrid layout)
    if (!context.tenancy.tenantTables.some((tenantTable) => tenantTable.direct)) return;
  }
  if (catalog.tables.length === 0) {
    throw new TenantguardError(
      `no tables found in ${where(source)}${schemas}`,
      source.kind === 'database'
        ? 'check that --db / DATABASE_URL points at the application database and that its migrations have run'
        : 'check that --migrations points at the folder that creates the tables',
    );
  }
  // Without a single table that has the tenant column, every table that reaches
  // the root would be reported as missing it: the column name is what is wrong.
  if (!context.tenancy.tenantTables.some((tenantTable) => tenantTable.direct)) {
    const column = context.tenancy.tenantColumn;
    const candidates = tenantColumnCandidates(catalog).filter((c) => c.name !== column);
    const found = candidates.map((c) => `${c.name} (in ${c.tables.length} table${c.tables.length === 1 ? '' : 's'})`);
    throw new TenantguardError(
      `none of the ${catalog.tables.length} tables in ${where(source)} has the tenant column "${column}"` +
        (found.length > 0 ? `; columns that look like a tenant key: ${list(found)}` : ''),
      found.length > 0
        ? `run tenantguard init to write a config for it, or pass --tenant-column ${candidates[0]!.name}`
        : 'run tenantguard init, or name the column that holds the tenant id with --tenant-column or "tenantColumn" in tenantguard.config.json',
    );
  }
}

/**
 * An app role that does not exist would be judged as a role with PUBLIC's
 * grants only, and every verdict about it would be wrong without a sign.
 * Live: a typo, so the closest role is suggested. Offline: the migrations do
 * not create it, which happens when roles and grants are kept outside them.
 */
export function assertAppRoleExists(catalog: Catalog, context: RuleContext, source: Source): void {
  const appRole = context.config.appRole;
  if (appRole === null || catalog.roles.some((r) => r.name === appRole)) return;
  const graph = context.tenancy.roles;
  // the roles worth naming: those that can touch a tenant table, login roles first
  const reaching = catalog.roles
    .filter((r) => !r.superuser && !r.name.startsWith('pg_') && context.tenancy.tenantTables.some(({ table }) => canReachTable(graph, r.name, table)))
    .sort((a, b) => Number(b.canLogin) - Number(a.canLogin) || (a.name < b.name ? -1 : 1))
    .map((r) => r.name);
  const suggestion = closestName(appRole, catalog.roles.filter((r) => !r.name.startsWith('pg_')).map((r) => r.name));
  const others = reaching.length > 0 ? `roles that reach the tenant tables: ${list(reaching)}` : 'no role but the owners reaches the tenant tables';
  if (source.kind === 'database') {
    throw new TenantguardError(
      `the app role "${appRole}" does not exist in ${where(source)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      `name the role the app connects as with --app-role or "appRole" in tenantguard.config.json; ${others}`,
    );
  }
  throw new TenantguardError(
    `the app role "${appRole}" is not created by ${where(source)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: ` +
      'it is created outside them (docker/init.sql, a hosting platform), so its grants cannot be judged offline',
    `pass the SQL that creates it and its grants with --setup FILE (or "setup" in tenantguard.config.json), or audit a database where it exists with --db URL; ${others}`,
  );
}
