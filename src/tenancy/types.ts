import type { QualifiedName, Table } from '../catalog/types.js';

/** One hop of a foreign-key path: `from` references `to` through `constraint`. */
export interface ForeignKeyHop {
  from: QualifiedName;
  to: QualifiedName;
  constraint: string;
  columns: string[];
  referencedColumns: string[];
}

export interface TenantTable {
  table: Table;
  /** Has the tenant column itself. */
  direct: boolean;
  /**
   * For indirect tenant tables: the shortest FK path to a direct tenant table
   * or the root (e.g. tasks → projects → organizations). Empty when direct.
   */
  path: ForeignKeyHop[];
}

/** Derived facts about who the tenants are and which tables hold their rows. */
export interface Tenancy {
  tenantColumn: string;
  contextSetting: string;
  /** The tenant root table (organizations), if found. */
  root: Table | null;
  /** Sorted by schema, name. Excludes the root and global tables. */
  tenantTables: TenantTable[];
  /** Tables excluded as global (config globalTables or `@tenantguard global` comment). */
  globalTables: Table[];
  /** The configured app role, if any (it may be absent from the database). */
  appRole: string | null;
}
