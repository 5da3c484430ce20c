/**
 * Custom settings a table's policies read besides the tenant context. Any
 * role can set any `app.*`-style setting (docs/postgres-rls.md#custom-settings), so a policy that
 * ORs in `current_setting('app.is_superadmin', true) = 'true'` is a switch
 * every client can flip. The checks set each such setting to the values a
 * switch is usually compared with and confirm org B's row stays hidden.
 * Functions the policies call are read too (`is_superadmin()` reading the
 * setting in its body).
 */
import { tableKey, type Catalog, type Table } from '../catalog/types.js';

const CURRENT_SETTING = /current_setting\(\s*'((?:[^']|'')+)'/gi;
const STRING_LITERAL = /'((?:[^']|'')*)'/g;
const TRUTHY = ['true', 'on', '1', 'yes', 't'];
const MAX_VALUES = 12;

const unescape = (text: string) => text.replace(/''/g, "'");

function expressionsOf(catalog: Catalog, table: Table): string[] {
  const texts: string[] = [];
  const functions = new Map(catalog.functions.map((f) => [tableKey(f), f]));
  for (const policy of table.policies) {
    for (const expression of [policy.using, policy.withCheck]) if (expression) texts.push(expression);
    for (const fn of policy.dependsOn.functions) {
      const body = functions.get(tableKey(fn))?.body;
      if (body) texts.push(body);
    }
  }
  return texts;
}

export function bypassSettings(catalog: Catalog, table: Table, contextSetting: string): { setting: string; values: string[] }[] {
  const texts = expressionsOf(catalog, table);
  const settings = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(CURRENT_SETTING)) settings.add(unescape(match[1]!));
  settings.delete(contextSetting);
  if (settings.size === 0) return [];
  // The literals the policies compare with ('admin', 'superadmin') are candidate switch values too.
  const literals = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(STRING_LITERAL)) {
      const value = unescape(match[1]!);
      if (value !== '' && !settings.has(value) && value !== contextSetting && value.length <= 64) literals.add(value);
    }
  }
  const values = [...new Set([...TRUTHY, ...literals])].slice(0, MAX_VALUES);
  return [...settings].sort().map((setting) => ({ setting, values }));
}
