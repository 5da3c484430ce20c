import type { Queryable } from '../db/types.js';
import { TenantguardError } from '../errors.js';
import { CATALOG_QUERY } from './introspect.sql.js';
import type { Catalog } from './types.js';

export interface IntrospectOptions {
  /** Schemas to read; null/undefined = every non-system schema. */
  schemas?: readonly string[] | null;
}

interface CatalogRow extends Catalog {
  missingSchemas: string[];
}

/**
 * Reads the whole catalog in one statement, whatever the number of tables.
 * Only reads: safe inside a READ ONLY transaction.
 */
export async function introspect(client: Queryable, options: IntrospectOptions = {}): Promise<Catalog> {
  const schemas = options.schemas && options.schemas.length > 0 ? [...options.schemas] : null;
  const result = await client.query<{ catalog: CatalogRow | string }>(CATALOG_QUERY, [schemas]);
  const raw = result.rows[0]!.catalog;
  const row: CatalogRow = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (row.missingSchemas.length > 0) {
    const missing = row.missingSchemas.map((s) => `"${s}"`).join(', ');
    throw new TenantguardError(
      `schema ${missing} does not exist in database "${row.database}"`,
      row.schemas.length > 0 || schemas
        ? 'check --schema / "schemas" in the config; list schemas with: SELECT nspname FROM pg_namespace'
        : undefined,
    );
  }
  const { missingSchemas: _missing, ...catalog } = row;
  return catalog;
}
