/**
 * search_path defaults (ALTER ROLE/DATABASE … SET search_path) as Postgres
 * reads them at login: which entry applies to a role in this database, and
 * the schema names it lists.
 */
import type { Catalog, SettingDefault } from '../catalog/types.js';

/**
 * The list as SplitIdentifierString reads it: comma-separated, unquoted names
 * folded to lower case, "quoted" names kept as written ("" for a quote).
 * `$user` stays as it is (see searchPathSchemas).
 */
export function searchPathEntries(value: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i]!)) i++;
    if (i >= value.length) break;
    let name = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"' && value[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (value[i] === '"') {
          i++;
          break;
        } else name += value[i++];
      }
    } else {
      while (i < value.length && value[i] !== ',' && !/\s/.test(value[i]!)) name += value[i++];
      name = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    }
    while (i < value.length && value[i] !== ',') i++;
    names.push(name);
  }
  return names;
}

/** The schemas the list names for a session of `role`: `$user` is the role's own name (null = unknown role: left out). */
export function searchPathSchemas(value: string, role: string | null): string[] {
  return searchPathEntries(value).flatMap((name) => (name !== '$user' ? [name] : role !== null ? [role] : []));
}

const isSearchPath = (d: SettingDefault) => d.name.toLowerCase() === 'search_path';

/**
 * The search_path default a login as `role` gets in this database, most
 * specific first (docs/postgres-rls.md#setting-defaults): ALTER ROLE … IN
 * DATABASE, ALTER ROLE, ALTER DATABASE, ALTER ROLE ALL. null = none of them
 * (the server's configured value applies; tenantguard does not read it).
 */
export function searchPathDefault(catalog: Catalog, role: string): SettingDefault | null {
  const entries = catalog.settingDefaults.filter(isSearchPath);
  const rank = (d: SettingDefault) => (d.role === role ? (d.database !== null ? 0 : 1) : d.role === null ? (d.database !== null ? 2 : 3) : 9);
  const applying = entries.filter((d) => rank(d) < 9).sort((a, b) => rank(a) - rank(b));
  return applying[0] ?? null;
}

/** Every search_path default stored for this database or all databases. */
export function searchPathDefaults(catalog: Catalog): SettingDefault[] {
  return catalog.settingDefaults.filter(isSearchPath);
}
