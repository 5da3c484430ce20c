import type { Queryable } from '../db/types.js';
import { TenantguardError } from '../errors.js';
import { globToRegex } from '../sql/glob.js';
import { CATALOG_QUERY } from './introspect.sql.js';
import type { Catalog, Constraint, Index, Table, TenantSchema } from './types.js';

export interface IntrospectOptions {
  /** Schemas to read; null/undefined = every non-system schema. */
  schemas?: readonly string[] | null;
  /** Glob of the tenant schemas of a schema-per-tenant layout (`tenant_*`); null/undefined = not such a layout. */
  schemaPerTenant?: string | null;
}

/** Constraint and index key columns arrive as attnums; names are resolved here. */
type RawTable = Omit<Table, 'constraints' | 'indexes'> & {
  constraints: (Omit<Constraint, 'columns'> & { columns: number[] })[];
  indexes: (Omit<Index, 'columns'> & { columns: number[] })[];
};

/** The statement's first row: everything but the tables, which follow one per row. */
interface CatalogHeader extends Omit<Catalog, 'tables' | 'tenantSchemas'> {
  tenantSchemas: TenantSchema[] | null;
  missingSchemas: string[];
  /** Every non-system schema; only filled in when a requested one is missing. */
  existingSchemas: string[] | null;
}

/** In place: the parsed row is this module's own, and a copy of every table would double what the audit holds. */
function resolveColumnNames(table: RawTable): Table {
  const name = (n: number) => table.columns.find((c) => c.position === n)?.name;
  for (const c of table.constraints as { columns: (number | string)[] }[]) c.columns = c.columns.map((n) => name(n as number) ?? `#${n}`);
  // attnum 0 marks an expression key part
  for (const i of table.indexes as { columns: (number | string | null)[] }[]) i.columns = i.columns.map((n) => (n === 0 ? null : (name(n as number) ?? null)));
  return table as unknown as Table;
}

/**
 * Reads the whole catalog in one statement, whatever the number of tables
 * (plus one to turn JIT off for it: the planner's cost estimates for the
 * catalog aggregates are huge, and JIT compilation would cost seconds).
 * Only reads: call it inside withReadOnlyTransaction (src/db/transaction.ts),
 * which pins search_path, and so the JIT setting stays local to it.
 */
export async function introspect(client: Queryable, options: IntrospectOptions = {}): Promise<Catalog> {
  const schemas = options.schemas && options.schemas.length > 0 ? [...options.schemas] : null;
  await client.query('SET LOCAL jit = off');
  const glob = options.schemaPerTenant ?? null;
  const result = await client.query<{ catalog: CatalogHeader | RawTable | string }>(CATALOG_QUERY, [schemas, glob === null ? null : globToRegex(glob)]);
  const rows = result.rows.map((r) => (typeof r.catalog === 'string' ? JSON.parse(r.catalog) : r.catalog));
  const row = rows[0] as CatalogHeader;
  if (row.missingSchemas.length > 0) {
    const missing = row.missingSchemas.map((s) => `"${s}"`).join(', ');
    throw new TenantguardError(
      `schema ${missing} does not exist in database "${row.database}"`,
      `existing schemas: ${row.existingSchemas?.join(', ') || '(none)'}; check --schema or "schemas" in the config`,
    );
  }
  const { missingSchemas: _missing, existingSchemas: _existing, tenantSchemas, ...rest } = row;
  const tables: Table[] = [];
  for (let i = 1; i < rows.length; i++) tables.push(resolveColumnNames(rows[i] as RawTable));
  return {
    ...rest,
    tables,
    tenantSchemas: glob === null ? null : { glob, schemas: tenantSchemas ?? [] },
  };
}
