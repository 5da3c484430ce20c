/**
 * When two clauses are bound to get the same verdict. Migration generators put
 * the same policy text on hundreds of tables; a clause that reads nothing of
 * the catalog beyond the row of its own table (no table in a subquery's FROM,
 * no user-defined function, no table's RLS: `Lookup.reachedOut` stays false)
 * is judged from its text and from what the evaluator reads of that table:
 *
 * - the columns a name in the text binds to: whether they exist, their type
 *   (a bearer secret is a text/uuid column), NOT NULL (`x IS NOT NULL` on a
 *   NOT NULL column is always true) and whether a unique index covers one alone;
 * - whether the table has the tenant column at all;
 * - the table's schema (where unqualified names are looked for) and, when the
 *   text names the table (a qualified column reference, `items.organization_id`)
 *   or the table is a Supabase surface whose paths or topics carry the tenant
 *   (storage.objects, realtime.messages: surface-keys.ts), its name.
 *
 * The key holds all of these, so two tables share a verdict only when none of
 * them differs: `organization_id = …` on a table where `organization_id` is
 * the tenant column and on one where the column it names is nullable or of
 * another type gets two keys.
 */
import type { Column, QualifiedName, Table } from '../catalog/types.js';
import { surfaceOf } from './surface-keys.js';

/**
 * A quoted identifier (`"Org Id"`, embedded quotes doubled), a string literal (skipped: its
 * words name nothing), or a bare word. pg_get_expr prints a name bare only when it is lower case.
 */
const TOKEN = /"((?:[^"]|"")*)"|'(?:[^']|'')*'|([A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)/g;

/** Every name the text may refer to (bare words also folded to lower case, as Postgres folds them). */
function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(TOKEN)) {
    if (match[1] !== undefined) names.add(match[1].replaceAll('""', '"'));
    else if (match[2] !== undefined) {
      names.add(match[2]);
      names.add(match[2].toLowerCase());
    }
  }
  return names;
}

function uniqueAlone(table: Table, column: string): boolean {
  return table.indexes.some((i) => i.unique && !i.partial && i.columns.length === 1 && i.columns[0] === column);
}

function columnFacts(table: Table, column: Column): string {
  return JSON.stringify([column.name, column.type, column.typeName, column.typeCategory, column.notNull, uniqueAlone(table, column.name)]);
}

export interface ClauseKeys {
  /**
   * The key under which a self-contained judgement of `text` on `table` may be shared;
   * `hints` are the functions the clause references (pg_depend).
   */
  selfContained(table: Table, text: string, hints: readonly QualifiedName[]): string;
}

/** Keys for one analysis: the names in each distinct text and the facts of each named column are worked out once. */
export function clauseKeys(tenantColumn: string): ClauseKeys {
  const names = new Map<string, Set<string>>();
  const facts = new WeakMap<Table, { identity: string; hasTenantColumn: boolean; columns: Map<Column, string> }>();
  return {
    selfContained(table, text, hints) {
      let named = names.get(text);
      if (!named) {
        named = namesIn(text);
        names.set(text, named);
      }
      let known = facts.get(table);
      if (!known) {
        known = {
          identity: JSON.stringify(surfaceOf(table) ? [table.schema, table.name] : [table.schema]),
          hasTenantColumn: table.columns.some((c) => c.name === tenantColumn),
          columns: new Map(),
        };
        facts.set(table, known);
      }
      let key = `${text}\u0000${hints.length === 0 ? '' : JSON.stringify(hints)}\u0000${known.hasTenantColumn}\u0000${known.identity}`;
      if (named.has(table.name)) key += `\u0000${JSON.stringify(table.name)}`;
      for (const column of table.columns) {
        if (!named.has(column.name)) continue;
        let fact = known.columns.get(column);
        if (fact === undefined) {
          fact = columnFacts(table, column);
          known.columns.set(column, fact);
        }
        key += `\u0000${fact}`;
      }
      return key;
    },
  };
}
