/**
 * The isolation plan for a set of tenant tables: the rows to seed (rows.ts)
 * and, per table, the statements that must not cross from org A into org B.
 * Every statement names its target row by (tableoid, ctid) — exact for any
 * table, with or without a primary key, and for partitioned tables too.
 */
import { tableKey, type Catalog } from '../catalog/types.js';
import { displayName, quoteIdent, quoteQualified } from '../sql/quote.js';
import type { Tenancy } from '../tenancy/types.js';
import type { SqlParser } from '../sql/parser.js';
import { bypassSettings } from './bypass-settings.js';
import { synthesizeRows, type TableRows } from './rows.js';
import type { IsolationCase, IsolationPlan, SeedValue, StatementPart, TodoCase } from './types.js';
import type { RowCursor } from './verdicts.js';

export interface PlanOptions {
  role: string;
  nonce: string;
  /** Only these tenant tables (catalog tableKey); default: all. */
  tables?: ReadonlySet<string>;
  parser: SqlParser | null;
}

const systemColumn = (row: string, column: 'tableoid' | 'ctid'): SeedValue => ({ row, column });

// Every operator and function is named with its schema: the statements run as roles the schema's
// owner does not control, and must never resolve to a look-alike in another schema
// (docs/postgres-rls.md#search-path).
const EQ = ' OPERATOR(pg_catalog.=) ';

/** `tableoid = … AND ctid = …` for a seeded row: a TID scan, however large the table. */
function matchRow(row: string): StatementPart[] {
  return [`tableoid${EQ}`, systemColumn(row, 'tableoid'), ` AND ctid${EQ}`, systemColumn(row, 'ctid')];
}

function assign(columns: string[], values: SeedValue[]): StatementPart[] {
  return columns.flatMap((column, i) => [...(i > 0 ? [', '] : []), `${quoteIdent(column)} = `, values[i]!]);
}

function equal(columns: string[], values: SeedValue[]): StatementPart[] {
  return columns.flatMap((column, i) => [...(i > 0 ? [' AND '] : []), `${quoteIdent(column)}${EQ}`, values[i]!]);
}

function cursorOn(target: string, row: string, name: string): RowCursor<StatementPart[]> {
  return { name, declare: [`DECLARE ${name} NO SCROLL CURSOR FOR SELECT FROM ${target} WHERE `, ...matchRow(row)], move: `MOVE NEXT IN ${name}` };
}

function caseFor(catalog: Catalog, tenancy: Tenancy, key: string, rows: TableRows, role: string, index: number): IsolationCase {
  const table = tenancy.tenantTableByKey.get(key)!.table;
  const target = quoteQualified(table.schema, table.name);
  const { scope, extra } = rows;
  const cursors = { own: cursorOn(target, rows.own, `tenantguard_own_${index}`), other: cursorOn(target, rows.other, `tenantguard_other_${index}`) };
  return {
    table: displayName(table.schema, table.name),
    key,
    target,
    role,
    setting: tenancy.contextSetting,
    setRole: `SET LOCAL ROLE ${quoteIdent(role)}`,
    seed: rows.seed,
    own: rows.own,
    other: rows.other,
    read: [
      `SELECT tableoid::pg_catalog.int8::pg_catalog.text, ctid::pg_catalog.text FROM ${target} WHERE (`,
      ...matchRow(rows.own), ') OR (', ...matchRow(rows.other), ')',
    ],
    // Steal org B's row: with its tenant key set to A's it would pass a WITH CHECK on A's context,
    // so only USING (the rows the UPDATE can see) stands between A and B's row.
    updateOther: [`UPDATE ${target} SET `, ...assign(scope.columns, scope.A), ' WHERE ', ...matchRow(rows.other)],
    deleteOther: [`DELETE FROM ${target} WHERE `, ...matchRow(rows.other)],
    insertOther: [
      `INSERT INTO ${target} (${extra.columns.map(quoteIdent).join(', ')}) VALUES (`,
      ...extra.values.flatMap((value, i) => [...(i > 0 ? [', '] : []), value]),
      ')',
    ],
    insertOtherColumns: extra.columns,
    moveOwn: [`UPDATE ${target} SET `, ...assign(scope.columns, scope.B), ' WHERE ', ...matchRow(rows.own)],
    updateOtherAtCursor: [`UPDATE ${target} SET `, ...assign(scope.columns, scope.A), ` WHERE CURRENT OF ${cursors.other.name}`],
    deleteOtherAtCursor: [`DELETE FROM ${target} WHERE CURRENT OF ${cursors.other.name}`],
    moveOwnAtCursor: [`UPDATE ${target} SET `, ...assign(scope.columns, scope.B), ` WHERE CURRENT OF ${cursors.own.name}`],
    cursors,
    countOther: [`SELECT pg_catalog.count(*)::pg_catalog.int4 FROM ${target} WHERE `, ...equal(scope.columns, scope.B)],
    truncate: `TRUNCATE ${target}`,
    bypass: bypassSettings(catalog, table, tenancy.contextSetting),
  };
}

export async function planIsolation(catalog: Catalog, tenancy: Tenancy, options: PlanOptions): Promise<IsolationPlan> {
  const seeds = await synthesizeRows(catalog, tenancy, { nonce: options.nonce, tables: options.tables, parser: options.parser });
  const cases: IsolationCase[] = [];
  const todo: TodoCase[] = [];
  for (const { table } of tenancy.tenantTables) {
    const key = tableKey(table);
    const rows = seeds.tables.get(key);
    if (!rows) continue;
    if ('unseedable' in rows) todo.push({ table: displayName(table.schema, table.name), key, role: options.role, todo: `cannot seed: ${rows.unseedable}` });
    else cases.push(caseFor(catalog, tenancy, key, rows, options.role, cases.length));
  }
  return { setting: tenancy.contextSetting, orgs: seeds.orgs, rows: seeds.rows, cases, todo };
}

/** Whether any table the plan may touch has a CHECK constraint (the parser is needed only then). */
export function needsParser(catalog: Catalog): boolean {
  return catalog.tables.some((t) => t.constraints.some((c) => c.type === 'check'));
}
