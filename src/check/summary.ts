import type { Catalog } from '../catalog/types.js';
import type { Tenancy } from '../tenancy/types.js';
import type { Finding, Summary } from './types.js';

/** Counts for the report footer and the JSON `summary`; `tables` counts regular, partitioned and foreign tables. */
export function summarize(findings: readonly Finding[], context: { catalog: Catalog; tenancy: Tenancy }): Summary {
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  return {
    error: count('error'),
    warning: count('warning'),
    info: count('info'),
    tables: context.catalog.tables.length,
    tenantTables: context.tenancy.tenantTables.length,
    ...(context.catalog.tenantSchemas ? { tenantSchemas: context.catalog.tenantSchemas.schemas.length } : {}),
  };
}
