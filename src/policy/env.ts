/**
 * Name resolution for policy expressions, the way the Postgres parser binds
 * names: a column reference binds to the innermost query level whose FROM
 * items have that column (so an unqualified `organization_id` inside
 * `FROM organization_members` is the member row's column, not the policy
 * table's); tables and functions resolve through the catalog.
 */
import type { Catalog, QualifiedName, RoutineInfo, Table } from '../catalog/types.js';
import type { SqlParser } from '../sql/parser.js';
import type { Evaluator } from './evaluator.js';
import type { ParsedBody } from './function-body.js';
import type { Term } from './terms.js';
import type { Scope } from './verdict.js';

/** One FROM item in scope: the policy's table, a subquery's table, or a set-returning function. */
export interface RangeEntry {
  /** The name that qualifies its columns (alias, else relation name). */
  alias: string;
  table: Table | null;
  /** Known column names; null = unknown (any name may bind when it is the only item). */
  columns: Set<string> | null;
  /** For a set-returning helper in FROM: how its rows are pinned. */
  pinned: SetPin | null;
  /** The tenant column of this entry's table, when it has it. */
  tenantColumn: string | null;
}

/** A set of values known to belong to the session's principal: its tenants, or its own rows. */
export type SetPin = 'tenant' | 'owner' | 'context';

export interface Params {
  functionName: string;
  names: (string | null)[];
  values: Term[];
  /** SQL functions: columns win over parameter names; plpgsql: variables win. */
  columnsFirst: boolean;
}

/** Facts gathered while analysing one policy clause (not inside helper bodies). */
export interface Notes {
  /** The tenant column under a cast where it is compared with the context (docs/postgres-rls.md#casts-and-indexes). */
  casts: { column: string; type: string; text: string }[];
  /** Context calls evaluated per row: not inside a scalar subquery (docs/postgres-rls.md#initplan). */
  unwrapped: string[];
  /** Settings read by current_setting() anywhere in the clause. */
  settings: string[];
}

/**
 * The API roles the Supabase auth helpers tell apart: PostgREST runs a request as the role its token
 * names, so `auth.role()` is that role, and the anonymous role's token carries no user (config
 * `anonRole`); a platform's own roles (config `platformRoles`) are no signed-in users.
 */
export interface ApiRoles {
  anon: string | null;
  platform: ReadonlySet<string>;
}

export const NO_API_ROLES: ApiRoles = { anon: null, platform: new Set() };

export interface Lookup {
  catalog: Catalog;
  tenantColumn: string;
  apiRoles: ApiRoles;
  table(schema: string | null, name: string, near: string): Table | null;
  func(name: string[], argCount: number, hints: readonly QualifiedName[]): RoutineInfo | null;
  /**
   * How the RLS of `table` limits what `role` sees of it when a policy's
   * subquery reads it (policy subqueries run with the querying role's rights).
   * null = not limited, or unknown.
   */
  rowScope(table: Table, role: string | null): Scope | null;
  parser: SqlParser;
  /** Set whenever rowScope is consulted: the result then depends on the role. */
  consulted: { value: boolean };
  /**
   * Set whenever the analysis reads the catalog beyond the row of the policy's own table: another
   * table (a subquery's FROM), a user-defined function (a helper's body), or a table's RLS. A clause
   * that reads none of these is judged from its text and its table's columns alone.
   */
  reachedOut: { value: boolean };
  /** Memo for helper-function analyses (see functions.ts). */
  cache: Map<string, unknown>;
  /** Helper bodies, parsed once per analysis. */
  bodies: Map<RoutineInfo, ParsedBody>;
}

export interface Env {
  lookup: Lookup;
  /** Judges the parts of an expression: the one way the analysis recurses (evaluator.ts). */
  evaluator: Evaluator;
  /** Query levels, outermost first; each holds its FROM items. */
  frames: RangeEntry[][];
  /** The entry whose rows the predicate being classified is about. */
  focus: RangeEntry;
  params: Params | null;
  /** Role whose rights subqueries run with (SECURITY DEFINER bodies: the owner). */
  role: string | null;
  /** The role the request runs as, whose token the auth helpers read: the same inside SECURITY DEFINER bodies. */
  caller: string | null;
  /** Inside a subquery (an InitPlan/SubPlan), not evaluated per row of the policy table. */
  inSubquery: boolean;
  notes: Notes | null;
  /** Functions on the current call chain (recursion guard). */
  callChain: string[];
  /** Functions the clause references (pg_depend), to resolve unqualified calls. */
  functionHints: readonly QualifiedName[];
  /** Schema searched after `public` for unqualified table names (the policy's table, the function's search_path). */
  nearSchema: string;
}

export function entryFor(table: Table | null, alias: string, tenantColumn: string): RangeEntry {
  const columns = table ? new Set(table.columns.map((c) => c.name)) : null;
  return {
    alias,
    table,
    columns,
    pinned: null,
    tenantColumn: columns?.has(tenantColumn) ? tenantColumn : null,
  };
}

export type Resolved =
  | { kind: 'column'; entry: RangeEntry; column: string }
  | { kind: 'param'; value: Term }
  | { kind: 'unresolved' };

function paramByName(env: Env, name: string): Term | null {
  const p = env.params;
  if (!p) return null;
  const i = p.names.indexOf(name);
  return i >= 0 ? (p.values[i] ?? null) : null;
}

function columnInFrames(env: Env, name: string): Resolved | null {
  for (let level = env.frames.length - 1; level >= 0; level--) {
    const frame = env.frames[level]!;
    const known = frame.find((e) => e.columns?.has(name));
    if (known) return { kind: 'column', entry: known, column: name };
    const open = frame.filter((e) => e.columns === null);
    if (open.length === 1 && frame.length === 1) return { kind: 'column', entry: open[0]!, column: name };
  }
  return null;
}

export function resolveColumn(env: Env, fields: string[]): Resolved {
  const name = fields[fields.length - 1]!;
  if (fields.length === 1) {
    const param = env.params && !env.params.columnsFirst ? paramByName(env, name) : null;
    if (param) return { kind: 'param', value: param };
    const column = columnInFrames(env, name);
    if (column) return column;
    const late = paramByName(env, name);
    return late ? { kind: 'param', value: late } : { kind: 'unresolved' };
  }
  const qualifier = fields[fields.length - 2]!;
  const schema = fields.length >= 3 ? fields[fields.length - 3]! : null;
  for (let level = env.frames.length - 1; level >= 0; level--) {
    const entry = env.frames[level]!.find(
      (e) => e.alias === qualifier && (schema === null || e.table?.schema === schema),
    );
    if (entry) return { kind: 'column', entry, column: name };
  }
  if (env.params && qualifier === env.params.functionName) {
    const value = paramByName(env, name);
    if (value) return { kind: 'param', value };
  }
  return { kind: 'unresolved' };
}

/** Number of parameters in pg_get_function_identity_arguments text (commas at depth 0). */
export function countArguments(identityArguments: string): number {
  if (identityArguments.trim() === '') return 0;
  let depth = 0;
  let count = 1;
  for (const ch of identityArguments) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) count++;
  }
  return count;
}

export function createLookup(
  catalog: Catalog,
  tenantColumn: string,
  rowScope: Lookup['rowScope'],
  parser: SqlParser,
  apiRoles: ApiRoles = NO_API_ROLES,
): Lookup {
  const tablesByName = new Map<string, Table[]>();
  for (const t of catalog.tables) tablesByName.set(t.name, [...(tablesByName.get(t.name) ?? []), t]);
  const functionsByName = new Map<string, RoutineInfo[]>();
  for (const f of catalog.functions) functionsByName.set(f.name, [...(functionsByName.get(f.name) ?? []), f]);

  const prefer = <T extends QualifiedName>(list: T[], schemas: string[]): T | null => {
    for (const s of schemas) {
      const hit = list.find((x) => x.schema === s);
      if (hit) return hit;
    }
    return list.length === 1 ? list[0]! : null;
  };

  const consulted = { value: false };
  const reachedOut = { value: false };
  return {
    catalog,
    tenantColumn,
    apiRoles,
    parser,
    consulted,
    reachedOut,
    cache: new Map(),
    bodies: new Map(),
    rowScope(table, role) {
      consulted.value = true;
      reachedOut.value = true;
      return rowScope(table, role);
    },
    table(schema, name, near) {
      reachedOut.value = true;
      const list = tablesByName.get(name) ?? [];
      if (schema !== null) return list.find((t) => t.schema === schema) ?? null;
      // pg_get_expr prints a relation unqualified only when it is visible on the search_path
      return prefer(list, ['public', near]);
    },
    func(name, argCount, hints) {
      const found = findFunction(name, argCount, hints);
      if (found) reachedOut.value = true;
      return found;
    },
  };

  function findFunction(name: string[], argCount: number, hints: readonly QualifiedName[]): RoutineInfo | null {
    const fname = name[name.length - 1]!;
    const schema = name.length > 1 ? name[name.length - 2]! : null;
    if (schema === 'pg_catalog') return null;
    const list = (functionsByName.get(fname) ?? []).filter(
      (f) => (schema === null || f.schema === schema) && countArguments(f.identityArguments) >= argCount,
    );
    if (list.length === 0) return null;
    const exact = list.filter((f) => countArguments(f.identityArguments) === argCount);
    const pool = exact.length > 0 ? exact : list;
    const hinted = hints.filter((h) => h.name === fname).map((h) => h.schema);
    return prefer(pool, [...hinted, 'public']) ?? pool[0]!;
  }
}
