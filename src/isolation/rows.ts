/**
 * Row synthesis: for each tenant table, a valid row for org A and one for
 * org B, plus every parent row their foreign keys need, in an order where
 * parents come first. Pure: a function of the catalog, the tenancy and a
 * nonce (which keeps this run's values apart from rows already present).
 *
 * - Columns with a default, identity or generated value are left to Postgres;
 *   nullable columns stay NULL; NOT NULL columns get a literal by type that
 *   meets the table's simple CHECK constraints (check-constraints.ts).
 * - The tenant column holds the org's id: the root row's key (read back with
 *   RETURNING when it has a default), or a literal when there is no root.
 * - Foreign keys point at parent rows of the same org (a shared row for
 *   tables outside tenancy). NOT NULL foreign keys must form no cycle; a
 *   nullable one is filled unless that would close a cycle (then it is NULL).
 */
import { tableKey, type Catalog, type Column, type Table } from '../catalog/types.js';
import { displayName, quoteIdent, quoteIdentList, quoteQualified } from '../sql/quote.js';
import type { Tenancy } from '../tenancy/types.js';
import type { SqlParser } from '../sql/parser.js';
import { analyzeChecks, checkParser, type ColumnSource, type ParseCheck } from './check-constraints.js';
import { ForeignKeyGraph } from './foreign-key-graph.js';
import type { Org, SeedRow, SeedValue, StatementPart } from './types.js';
import { noRules, synthesizeValue } from './values.js';

export type RowTag = Org | 'B2' | 'shared';

/** The values of one synthesized row (not necessarily seeded: B2 is inserted by the checks). */
export interface RowValues {
  columns: string[];
  values: SeedValue[];
}

export interface TableRows {
  own: string;
  other: string;
  /** Row ids to seed for this table, parents first. */
  seed: string[];
  /** A second row for org B, for the INSERT check. */
  extra: RowValues;
  /** The columns that tie a row to its org, and their values for A and B. */
  scope: { columns: string[]; A: SeedValue[]; B: SeedValue[] };
}

export interface SeedPlan {
  orgs: Record<Org, SeedValue>;
  rows: SeedRow[];
  tables: Map<string, TableRows | { unseedable: string }>;
}

export interface SynthesisOptions {
  nonce: string;
  /** Only these tenant tables (catalog tableKey); default: all. */
  tables?: ReadonlySet<string>;
  /** The Postgres parser, for CHECK constraints; null when no table has one. */
  parser: SqlParser | null;
}

export async function synthesizeRows(catalog: Catalog, tenancy: Tenancy, options: SynthesisOptions): Promise<SeedPlan> {
  return new Synthesis(catalog, tenancy, options).run();
}

class Synthesis {
  private readonly byKey: Map<string, Table>;
  private readonly rootKey: string | null;
  private readonly graph: ForeignKeyGraph;
  private readonly unseedable = new Map<string, string>();
  private readonly rows: SeedRow[] = [];
  private readonly rowById = new Map<string, SeedRow>();
  /** Position of each row in `rows`: parents come first. */
  private readonly rowIndex = new Map<string, number>();
  /** CHECK analysis per table and set of columns filled from elsewhere (the same for every row of the table). */
  private readonly checkCache = new Map<string, ReturnType<typeof analyzeChecks>>();
  /** Literal values per table, filled-elsewhere columns and row tag (seedability computes org A's first). */
  private readonly valueCache = new Map<string, Map<string, string> | { unsupported: string }>();
  /** CHECK expressions parsed for this plan only. */
  private readonly parseCheck: ParseCheck | null;
  private orgs!: Record<Org, SeedValue>;

  constructor(
    catalog: Catalog,
    private readonly tenancy: Tenancy,
    private readonly options: SynthesisOptions,
  ) {
    this.byKey = new Map(catalog.tables.map((t) => [tableKey(t), t]));
    this.rootKey = tenancy.root ? tableKey(tenancy.root) : null;
    this.graph = new ForeignKeyGraph(this.byKey, tenancy, this.unseedable);
    this.parseCheck = options.parser ? checkParser(options.parser) : null;
  }

  run(): SeedPlan {
    const targets = this.tenancy.tenantTables.filter(({ table }) => !this.options.tables || this.options.tables.has(tableKey(table)));
    const needed = this.graph.collect([...targets.map(({ table }) => tableKey(table)), ...(this.rootKey ? [this.rootKey] : [])]);
    this.graph.markRequiredCycles(needed);
    for (const key of needed) this.seedability(key, []);
    this.graph.keepNullableEdges(needed);
    this.orgs = this.orgValues(targets.map((t) => t.table));

    const tables = new Map<string, TableRows | { unseedable: string }>();
    for (const target of targets) {
      const key = tableKey(target.table);
      const reason = this.targetProblem(key);
      if (reason) {
        tables.set(key, { unseedable: reason });
        continue;
      }
      const seed = new Set<string>();
      const own = this.rowFor(key, 'A', seed);
      const other = this.rowFor(key, 'B', seed);
      const extra = this.valuesFor(key, 'B2', seed);
      const order = [...seed].sort((a, b) => this.rowIndex.get(a)! - this.rowIndex.get(b)!);
      tables.set(key, { own, other, seed: order, extra, scope: this.scopeOf(key) });
    }
    // Children are synthesized after their parents' INSERTs were built: only now is it known what each must return.
    for (const row of this.rows) row.insert.push(row.returns.map((c) => `, tenantguard_row.${quoteIdent(c)}::pg_catalog.text`).join(''));
    return { orgs: this.orgs, rows: this.rows, tables };
  }

  /** null when rows can be synthesized for the table (its required parents included), else why not. */
  private seedability(key: string, path: string[]): string | null {
    if (this.unseedable.has(key)) return this.unseedable.get(key)!;
    if (path.includes(key)) return null;
    const table = this.byKey.get(key)!;
    let reason: string | null = table.kind === 'foreign-table' ? 'it is a foreign table' : null;
    reason ??= this.columnProblem(key, 'A');
    for (const edge of this.graph.edges(key)) {
      if (reason || !edge.required) continue;
      const parent = this.seedability(edge.to, [...path, key]);
      if (parent) reason = `its parent ${this.display(edge.to)} cannot be seeded (${parent})`;
    }
    if (reason) this.unseedable.set(key, reason);
    return reason;
  }

  private targetProblem(key: string): string | null {
    const tenant = this.tenancy.tenantTableByKey.get(key)!;
    if (tenant.reason === 'partition') {
      return `it is a partition of ${displayName(tenant.table.partitionOf!.schema, tenant.table.partitionOf!.name)}; rows reach it through its parent (partition bounds are not synthesized)`;
    }
    const reason = this.unseedable.get(key) ?? (this.rootKey ? this.unseedable.get(this.rootKey) : undefined);
    if (reason) return this.unseedable.has(key) ? reason : `the tenant root ${this.display(this.rootKey!)} cannot be seeded (${reason})`;
    if (!tenant.direct) {
      const hop = tenant.path[0]!;
      if (!this.graph.kept(key).some((e) => e.fk.name === hop.constraint)) {
        return `its foreign key ${hop.constraint}, which ties its rows to an organization, would close a cycle`;
      }
    }
    return null;
  }

  private orgValues(targets: Table[]): Record<Org, SeedValue> {
    const key = this.tenancy.rootKey;
    if (this.rootKey && key && !this.unseedable.has(this.rootKey)) {
      return { A: this.refTo(this.rowFor(this.rootKey, 'A', new Set()), key.column), B: this.refTo(this.rowFor(this.rootKey, 'B', new Set()), key.column) };
    }
    // No root table: literal ids of the tenant column's type.
    const column = targets.flatMap((t) => t.columns).find((c) => c.name === this.tenancy.tenantColumn);
    const literal = (tag: Org): SeedValue => {
      const value = column ? synthesizeValue(column, noRules(), { nonce: this.options.nonce, table: 'organization', tag }) : { literal: `org-${tag}` };
      return 'literal' in value ? value : { literal: `tg-org-${tag.toLowerCase()}-${this.options.nonce.slice(0, 8)}` };
    };
    return { A: literal('A'), B: literal('B') };
  }

  private refTo(rowId: string, column: string): SeedValue {
    const row = this.rowById.get(rowId)!;
    if (!row.returns.includes(column)) row.returns.push(column);
    return { row: rowId, column };
  }

  private orgOf(key: string, tag: RowTag): Org | null {
    const scoped = key === this.rootKey || this.tenancy.tenantTableByKey.has(key);
    if (!scoped) return null;
    return tag === 'A' || tag === 'shared' ? 'A' : 'B';
  }

  private sourceOf(table: Table, column: Column, assigned: ReadonlySet<string>): ColumnSource {
    if (assigned.has(column.name) || column.default !== null || column.identity !== '' || column.generated !== '') return 'fixed';
    return column.notNull ? 'literal' : 'null';
  }

  /** Columns whose value comes from the org or a parent row: the tenant column and kept FK columns. */
  private assignedColumns(key: string): Set<string> {
    const table = this.byKey.get(key)!;
    const assigned = new Set<string>();
    if (key !== this.rootKey && table.columns.some((c) => c.name === this.tenancy.tenantColumn)) assigned.add(this.tenancy.tenantColumn);
    for (const edge of this.graph.keptOrRequired(key)) for (const c of edge.fk.columns) assigned.add(c);
    return assigned;
  }

  private columnProblem(key: string, tag: RowTag): string | null {
    const result = this.literalValues(key, tag);
    return 'unsupported' in result ? result.unsupported : null;
  }

  /** Literal values for the columns the row must fill itself. */
  private literalValues(key: string, tag: RowTag): Map<string, string> | { unsupported: string } {
    const table = this.byKey.get(key)!;
    const assigned = this.assignedColumns(key);
    const cacheKey = `${key}\0${[...assigned].sort().join('\0')}`;
    const known = this.valueCache.get(`${cacheKey}\0${tag}`);
    if (known) return known;
    const computed = this.computeLiterals(table, key, tag, assigned, cacheKey);
    this.valueCache.set(`${cacheKey}\0${tag}`, computed);
    return computed;
  }

  private computeLiterals(table: Table, key: string, tag: RowTag, assigned: Set<string>, cacheKey: string): Map<string, string> | { unsupported: string } {
    let checks = this.checkCache.get(cacheKey);
    if (!checks) {
      checks = analyzeChecks(table, this.parseCheck, (name) => {
        const column = table.columns.find((c) => c.name === name);
        return column ? this.sourceOf(table, column, assigned) : 'fixed';
      });
      this.checkCache.set(cacheKey, checks);
    }
    if (checks.unsupported) return { unsupported: checks.unsupported };
    const values = new Map<string, string>();
    for (const column of table.columns) {
      const source = checks.fill.has(column.name) ? 'literal' : this.sourceOf(table, column, assigned);
      if (source !== 'literal') continue;
      const value = synthesizeValue(column, checks.rules.get(column.name) ?? noRules(), { nonce: this.options.nonce, table: key, tag });
      if ('unsupported' in value) return value;
      values.set(column.name, value.literal);
    }
    return values;
  }

  /** The row's columns and values; parents it refers to are created (into `seed`) first. */
  private valuesFor(key: string, tag: RowTag, seed: Set<string>): RowValues {
    const table = this.byKey.get(key)!;
    const org = this.orgOf(key, tag);
    const assignments = new Map<string, SeedValue>();
    if (key !== this.rootKey && org && table.columns.some((c) => c.name === this.tenancy.tenantColumn)) {
      assignments.set(this.tenancy.tenantColumn, this.orgs[org]);
    }
    for (const edge of this.graph.kept(key)) {
      const parentTag: RowTag = this.orgOf(edge.to, 'A') === null ? 'shared' : (org ?? 'A');
      const parent = this.rowFor(edge.to, parentTag, seed);
      edge.fk.columns.forEach((column, i) => {
        if (!assignments.has(column)) assignments.set(column, this.refTo(parent, edge.fk.references.columns[i]!));
      });
    }
    const literals = this.literalValues(key, tag);
    if ('unsupported' in literals) throw new Error(`${this.display(key)}: ${literals.unsupported}`);
    for (const [column, literal] of literals) assignments.set(column, { literal });
    const ordered = table.columns.filter((c) => assignments.has(c.name)).map((c) => c.name);
    return { columns: ordered, values: ordered.map((c) => assignments.get(c)!) };
  }

  /** Creates (once) the seeded row `key#tag` after its parents, and returns its id. */
  private rowFor(key: string, tag: RowTag, seed: Set<string>): string {
    const resolvedTag: RowTag = this.orgOf(key, tag) === null ? 'shared' : tag;
    const id = `${key}#${resolvedTag}`;
    if (!this.rowById.has(id)) {
      const table = this.byKey.get(key)!;
      const row: SeedRow = { id, table: this.display(key), org: this.orgOf(key, resolvedTag), insert: [], returns: [] };
      this.rowById.set(id, row);
      row.insert = insertReturning(table, this.valuesFor(key, resolvedTag, seed));
      this.rowIndex.set(id, this.rows.length);
      this.rows.push(row);
    }
    this.markSeeded(id, seed);
    return id;
  }

  /** Adds a row and, transitively, the rows it refers to. */
  private markSeeded(id: string, seed: Set<string>): void {
    if (seed.has(id)) return;
    seed.add(id);
    const row = this.rowById.get(id);
    for (const part of row?.insert ?? []) if (typeof part !== 'string' && 'row' in part) this.markSeeded(part.row, seed);
  }

  private scopeOf(key: string): TableRows['scope'] {
    const tenant = this.tenancy.tenantTableByKey.get(key)!;
    if (tenant.direct) {
      return { columns: [this.tenancy.tenantColumn], A: [this.orgs.A], B: [this.orgs.B] };
    }
    const hop = tenant.path[0]!;
    const parentKey = tableKey(hop.to);
    const ref = (org: Org) => hop.referencedColumns.map((c) => this.refTo(this.rowFor(parentKey, org, new Set()), c));
    return { columns: hop.columns, A: ref('A'), B: ref('B') };
  }

  private display(key: string): string {
    const table = this.byKey.get(key);
    return table ? displayName(table.schema, table.name) : key;
  }
}

/** INSERT … RETURNING tableoid, ctid, the row as JSON (for messages), then the columns `returns` will name. */
function insertReturning(table: Table, values: RowValues): StatementPart[] {
  const alias = 'tenantguard_row';
  const target = `${quoteQualified(table.schema, table.name)} AS ${alias}`;
  const parts: StatementPart[] = [];
  if (values.columns.length === 0) {
    parts.push(`INSERT INTO ${target} DEFAULT VALUES`);
  } else {
    parts.push(`INSERT INTO ${target} (${quoteIdentList(values.columns)}) VALUES (`);
    values.values.forEach((value, i) => parts.push(...(i > 0 ? [', '] : []), value));
    parts.push(')');
  }
  parts.push(` RETURNING ${alias}.tableoid::pg_catalog.int8::pg_catalog.text, ${alias}.ctid::pg_catalog.text, pg_catalog.to_jsonb(${alias}.*)::pg_catalog.text`);
  return parts;
}
