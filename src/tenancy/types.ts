import type { QualifiedName, Table } from '../catalog/types.js';
import type { RoleGraph } from './roles.js';

/** One hop of a foreign-key path: `from` references `to` through `constraint`. */
export interface ForeignKeyHop {
  from: QualifiedName;
  to: QualifiedName;
  constraint: string;
  columns: string[];
  referencedColumns: string[];
}

/** Why a table holds tenant rows. */
export type TenantReason =
  /** It has the tenant column. */
  | 'tenant-column'
  /** A foreign-key path leads from it to a table with the tenant column, or to the root. */
  | 'foreign-key'
  /** It is a partition of a tenant table (and has neither of the above itself). */
  | 'partition';

export interface TenantTable {
  table: Table;
  /** Has the tenant column itself. */
  direct: boolean;
  reason: TenantReason;
  /**
   * For indirect tenant tables: the shortest FK path to a direct tenant table
   * or the root (e.g. tasks → projects). Empty when direct or reached only as a partition.
   */
  path: ForeignKeyHop[];
}

/** The root's key column that tenant columns hold (organizations.id), with its type. */
export interface RootKey {
  column: string;
  /** format_type() of the key column: `uuid`, `bigint`, `text` */
  type: string;
}

/** Derived facts about who the tenants are and which tables hold their rows. */
export interface Tenancy {
  tenantColumn: string;
  contextSetting: string;
  /** The tenant root table (organizations), if found. */
  root: Table | null;
  /** The root's key referenced by the tenant column, if it can be told. */
  rootKey: RootKey | null;
  /** Sorted by schema, name. Excludes the root and global tables. */
  tenantTables: TenantTable[];
  /** `schema.name` (catalog tableKey) → tenant table. */
  tenantTableByKey: ReadonlyMap<string, TenantTable>;
  /** Tables excluded as global (config globalTables or `@tenantguard global` comment), and their partitions. */
  globalTables: Table[];
  /** The configured app role, if any (it may be absent from the database). */
  appRole: string | null;
  /** Roles a hosting platform's own servers use (config `platformRoles`): by design across tenants. */
  platformRoles: ReadonlySet<string>;
  /** The role requests without a signed-in user run as (config `anonRole`), if any. */
  anonRole: string | null;
  /** Role memberships and attributes (src/tenancy/roles.ts). */
  roles: RoleGraph;
}
