/**
 * The Catalog: everything tenantguard knows about a database, read in a
 * constant number of statements (src/catalog/introspect.ts) and then only
 * ever treated as plain, serializable data. Every later stage is a pure
 * function of it.
 */

export interface QualifiedName {
  schema: string;
  name: string;
}

export type TableKind = 'table' | 'partitioned-table' | 'foreign-table';

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';

/** One grantee's privileges on an object. `grantee` is `PUBLIC` for grants to everyone. */
export interface Grant {
  grantee: string;
  privileges: Privilege[];
}

export interface Column {
  name: string;
  /** attnum; column order as declared */
  position: number;
  /** format_type(): `uuid`, `character varying(64)`, `text[]`, `public.status` */
  type: string;
  /** Base type name without modifiers or schema: `uuid`, `varchar`, `int4`, `_text` */
  typeName: string;
  /** `b` base, `e` enum, `d` domain, `c` composite, `r` range, `m` multirange */
  typeCategory: string;
  /** Enum labels in order, when the column's type is an enum. */
  enumValues: string[] | null;
  notNull: boolean;
  /** pg_get_expr of the default, or null */
  default: string | null;
  /** 'a' (ALWAYS) / 'd' (BY DEFAULT) identity, 's' stored generated, or '' */
  identity: '' | 'a' | 'd';
  generated: '' | 's';
}

export type ForeignKeyAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

export type ConstraintType = 'primary-key' | 'unique' | 'foreign-key' | 'check' | 'exclusion';

export interface Constraint {
  name: string;
  type: ConstraintType;
  /** Columns of this table, in constraint order. */
  columns: string[];
  /** pg_get_constraintdef, for CHECK and EXCLUDE constraints only (null otherwise: deparsing every key is costly at scale). */
  definition: string | null;
  /** For foreign keys: the referenced table and its columns, in the same order as `columns`. */
  references: (QualifiedName & { columns: string[] }) | null;
  /** DEFERRABLE (checked at commit rather than per statement). */
  deferrable: boolean;
  /** Referential actions of a foreign key (null for other constraint types). */
  onDelete: ForeignKeyAction | null;
  onUpdate: ForeignKeyAction | null;
}

export interface Index {
  name: string;
  /** Key columns in order; null for an expression key part. */
  columns: (string | null)[];
  unique: boolean;
  primary: boolean;
  /** Has a WHERE clause. */
  partial: boolean;
  /** pg_get_indexdef, for partial and expression indexes only (null otherwise). */
  definition: string | null;
  /** Name of the constraint this index backs, if any. */
  constraint: string | null;
}

export type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface Policy {
  name: string;
  command: PolicyCommand;
  /** true = PERMISSIVE (OR-ed), false = RESTRICTIVE (AND-ed). */
  permissive: boolean;
  /** Role names; `public` for PUBLIC (also the default when CREATE POLICY has no TO). */
  roles: string[];
  /** pg_get_expr(polqual): the USING expression, or null */
  using: string | null;
  /** pg_get_expr(polwithcheck): the WITH CHECK expression, or null */
  withCheck: string | null;
  /** From pg_depend: columns of the policy's own table and functions it references. */
  dependsOn: { columns: string[]; functions: QualifiedName[] };
}

export type TriggerEvent = 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';

/** A trigger a user declared on a table (constraint triggers Postgres creates for foreign keys left out). */
export interface Trigger {
  name: string;
  /** BEFORE … FOR EACH ROW: it may change the new row before constraints and row level security check it. */
  beforeRow: boolean;
  events: TriggerEvent[];
  /** Fires in ordinary sessions: ENABLE or ENABLE ALWAYS (not DISABLE, nor ENABLE REPLICA). */
  enabled: boolean;
  /** Fires only for some rows or statements: a WHEN condition, or UPDATE OF a column list. */
  conditional: boolean;
  /** The trigger function (pg_proc oid; present in `Catalog.functions` when its schema is audited). */
  functionOid: number;
  function: QualifiedName;
}

export interface Table extends QualifiedName {
  oid: number;
  kind: TableKind;
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** For a partition: its parent (partitioned) table. */
  partitionOf: QualifiedName | null;
  comment: string | null;
  /** pg_class.reltuples; -1 when never analyzed. */
  estimatedRows: number;
  columns: Column[];
  constraints: Constraint[];
  indexes: Index[];
  policies: Policy[];
  grants: Grant[];
  /** Sorted by name, the order Postgres fires triggers of one kind in. */
  triggers: Trigger[];
}

export type ViewKind = 'view' | 'materialized-view';

export interface View extends QualifiedName {
  oid: number;
  kind: ViewKind;
  owner: string;
  /** reloptions security_invoker=true (PG 15+) */
  securityInvoker: boolean;
  securityBarrier: boolean;
  /** Tables and views the view's rewrite rule reads (pg_depend via pg_rewrite). */
  dependsOn: QualifiedName[];
  grants: Grant[];
  comment: string | null;
  definition: string;
}

export interface RoutineInfo extends QualifiedName {
  oid: number;
  /** pg_get_function_identity_arguments */
  identityArguments: string;
  /** pg_get_function_arguments: also OUT parameters and each DEFAULT (a helper may be called with fewer arguments) */
  arguments: string;
  /** pg_get_function_result */
  returns: string;
  owner: string;
  language: string;
  securityDefiner: boolean;
  /** `search_path` from proconfig, or null when not pinned */
  searchPath: string | null;
  /** Every proconfig entry, `name=value`. */
  config: string[];
  /** Roles that can EXECUTE it (`PUBLIC` included when granted to everyone, the default). */
  executeGrantees: string[];
  /** prosrc: the body text for SQL/plpgsql functions */
  body: string;
}

export interface RoleMembership {
  /** The role this role is a member of. */
  role: string;
  /** Privileges of `role` are usable without SET ROLE. */
  inherit: boolean;
  /** Member can SET ROLE to `role` (always true before PG 16). */
  set: boolean;
  admin: boolean;
}

export interface Role {
  name: string;
  superuser: boolean;
  bypassRls: boolean;
  canLogin: boolean;
  /** rolinherit */
  inherit: boolean;
  /** Direct memberships only; tenancy/ computes the transitive closure. */
  memberOf: RoleMembership[];
}

/** A default from pg_db_role_setting that applies to this database (ALTER ROLE/DATABASE ... SET). */
export interface SettingDefault {
  /** null = every role (ALTER DATABASE ... SET) */
  role: string | null;
  /** null = every database (ALTER ROLE ... SET without IN DATABASE) */
  database: string | null;
  name: string;
  value: string;
}

export type SchemaPrivilege = 'USAGE' | 'CREATE';

/** One grantee's privileges on a schema (nspacl, or the owner's default when it is NULL). `grantee` is `PUBLIC` for everyone. */
export interface SchemaGrant {
  grantee: string;
  privileges: SchemaPrivilege[];
}

/** A table, view or materialized view of a tenant schema, with who may touch its rows. */
export interface TenantSchemaRelation {
  name: string;
  kind: TableKind | ViewKind;
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** Table-level grants (relacl, or the owner's default). */
  grants: Grant[];
  /** Column-level grants (attacl), merged over the columns: a column grant reads those columns' values. */
  columnGrants: Grant[];
}

/** A schema the `schemaPerTenant` glob matched: one tenant's namespace. */
export interface TenantSchema {
  name: string;
  owner: string;
  grants: SchemaGrant[];
  relations: TenantSchemaRelation[];
}

/** The schema-per-tenant layout, read only when `schemaPerTenant` is set. */
export interface TenantSchemas {
  /** The glob, as configured (`tenant_*`). */
  glob: string;
  /** Matching schemas, sorted by name; independent of the `schemas` filter. */
  schemas: TenantSchema[];
}

export interface Catalog {
  /** server_version_num, e.g. 150019 */
  serverVersion: number;
  database: string;
  currentUser: string;
  /** Schemas that were read (after the filter). */
  schemas: string[];
  tables: Table[];
  views: View[];
  functions: RoutineInfo[];
  roles: Role[];
  settingDefaults: SettingDefault[];
  /** Tenant schemas (`--schema-per-tenant`); null when no glob is configured. */
  tenantSchemas: TenantSchemas | null;
}

/** `schema.name` key for maps; not for display (see sql/quote.ts displayName). */
export function tableKey(name: QualifiedName): string {
  return `${name.schema}.${name.name}`;
}
