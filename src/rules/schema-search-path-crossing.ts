import type { SettingDefault } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { setSearchPathDefault } from '../sql/statements.js';
import { schemaTenancy, type SchemaTenancy } from '../tenancy/schema-tenants.js';
import { searchPathDefaults, searchPathEntries, searchPathSchemas } from '../tenancy/search-path.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

const list = (schemas: readonly string[]) => schemas.map((s) => displayName(null, s)).join(', ');

/** A role-wide default is overridden in this database by the same role's IN DATABASE default. */
function overridden(d: SettingDefault, all: readonly SettingDefault[]): boolean {
  return d.role !== null && d.database === null && all.some((o) => o.role === d.role && o.database !== null);
}

/** Who other than the schema's own tenant role can use it (a role-less default reaches their sessions). */
function reachedByOthers(layout: SchemaTenancy, schema: string): boolean {
  const owner = layout.tenantRoleOf.get(schema) ?? null;
  return layout.roles.some((entry) => entry.role !== owner && entry.reaches.some((r) => r.schema.name === schema));
}

function problemFor(layout: SchemaTenancy, d: SettingDefault, database: string): Problem | null {
  const tenantNames = new Set(layout.schemas.map((s) => s.name));
  const named = searchPathSchemas(d.value, d.role).filter((s) => tenantNames.has(s));
  if (named.length === 0) return null;
  const entry = d.role === null ? undefined : layout.roles.find((e) => e.role === d.role);
  const usable = (s: string) => entry?.reaches.some((r) => r.schema.name === s) ?? false;
  const keep = (removed: readonly string[]) =>
    searchPathEntries(d.value).filter((s) => !removed.includes(s === '$user' && d.role !== null ? d.role : s));
  const fix = (removed: readonly string[]) => ({
    title: `Take ${list(removed)} out of the search_path default`,
    sql: setSearchPathDefault(d.role, d.database, database, keep(removed)),
  });
  const where = `search_path default '${d.value}'`;
  if (d.role === null) {
    const reached = named.filter((s) => reachedByOthers(layout, s));
    if (reached.length === 0) return null;
    return {
      object: { kind: 'database', schema: null, name: database },
      key: d.database === null ? 'search_path every role' : 'search_path',
      message:
        `the ${d.database === null ? 'every-role' : 'database'} ${where} names tenant schema${reached.length > 1 ? 's' : ''} ${list(reached)}: ` +
        'every session without a search_path of its own starts inside that tenant, so a request that never sets search_path reads and writes its tables',
      fix: fix(named),
    };
  }
  const role = displayName(null, d.role);
  if (entry?.kind === 'tenant') {
    const foreign = named.filter((s) => !entry.own.includes(s));
    if (foreign.length === 0) return null;
    const reachable = foreign.filter(usable);
    return {
      object: { kind: 'role', schema: null, name: d.role },
      key: 'search_path',
      ...(reachable.length === 0 ? { severity: 'info' as const } : {}),
      message:
        reachable.length > 0
          ? `${role}, the tenant role of ${list(entry.own)}, has the ${where}, which names ${list(reachable)} — another tenant's schema it can use: ` +
            "an unqualified name its own schema lacks resolves to that tenant's object (the grant that allows it is reported by schema-tenant-crossing)"
          : `${role}, the tenant role of ${list(entry.own)}, has the ${where}, which names ${list(foreign)}: Postgres skips a schema the role has no USAGE on, ` +
            'so nothing resolves there today; one GRANT USAGE would make unqualified names reach that tenant',
      fix: fix(foreign),
    };
  }
  const reachable = named.filter(usable);
  const shared = entry?.kind === 'shared';
  if (shared ? reachable.length === 0 : reachable.length < 2) return null;
  return {
    object: { kind: 'role', schema: null, name: d.role },
    key: 'search_path',
    message: shared
      ? `${role} serves every tenant and has the ${where}, which names ${list(reachable)}: every session of it starts inside that tenant before the app sets ` +
        "search_path, so a request that never sets it reads and writes that tenant's tables"
      : `${role} has the ${where}, which names ${reachable.length} tenant schemas it can use (${list(reachable)}): unqualified names resolve into ` +
        "whichever tenant's schema comes first that has the object",
    fix: fix(reachable),
  };
}

/**
 * search_path defaults (ALTER ROLE/DATABASE … SET search_path) that name
 * tenant schemas other than the role's own. search_path grants nothing —
 * Postgres skips schemas the session has no USAGE on — so this is a warning
 * at most; the grant behind it is schema-tenant-crossing's error.
 */
export default defineRule({
  id: 'schema-search-path-crossing',
  title: "search_path default names another tenant's schema",
  defaultSeverity: 'warning',
  description:
    "In a schema-per-tenant layout, a role's or the database's search_path default names another tenant's schema (or several): unqualified names resolve into that tenant.",
  check(ctx) {
    const layout = schemaTenancy(ctx);
    if (layout === null) return [];
    const defaults = searchPathDefaults(ctx.catalog);
    return defaults.filter((d) => !overridden(d, defaults)).flatMap((d) => problemFor(layout, d, ctx.catalog.database) ?? []);
  },
});
