export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';
export type FailOn = Severity | 'never';

export interface IgnoreEntry {
  rule: string;
  /** `schema.table`, `schema.table.policy`, or a bare name matched against object.name */
  object: string;
  reason: string;
}

/** tenantguard.config.json after validation and defaults. Flags > env > file > defaults. */
export interface Config {
  tenantColumn: string;
  /** The tenant root table; null = the table the tenant column references, else `organizations`. */
  tenantTable: string | null;
  contextSetting: string;
  /** null = every non-owner role with grants on a table counts. */
  appRole: string | null;
  /** null = every non-system schema. */
  schemas: string[] | null;
  /**
   * Schema-per-tenant layouts: a glob (`*` any run of characters, `?` one) naming the tenant schemas
   * (`tenant_*`); their grants and roles' search_path are checked for crossings. null = not such a layout.
   */
  schemaPerTenant: string | null;
  /** `table` or `schema.table` */
  globalTables: string[];
  /**
   * Roles a hosting platform's own servers use, never the app's users (Supabase's service_role,
   * supabase_auth_admin, …): their access across tenants is by design, so it is info, not an error.
   */
  platformRoles: string[];
  /**
   * The role API requests without a signed-in user run as (Supabase's `anon`, PostgREST's db-anon-role):
   * its requests carry no user id, so a signed-in check (`auth.uid() IS NOT NULL`) admits none of its rows.
   */
  anonRole: string | null;
  rules: Record<string, SeveritySetting>;
  ignore: IgnoreEntry[];
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /**
   * SQL files applied to the embedded engine before the migrations (roles and
   * grants kept in docker/init.sql and the like); absolute paths once loaded.
   */
  setup: string[];
  /** Base URL of the rule documentation links in reports (`{version}` is replaced); null = the installed package's docs (file: URL). */
  docsBaseUrl: string | null;
  /** `audit` without --db/--migrations audits each of these databases (URLs, or `$NAME` environment references). */
  databases: string[];
}

export const DEFAULT_CONFIG: Config = {
  tenantColumn: 'organization_id',
  tenantTable: null,
  contextSetting: 'app.current_org_id',
  appRole: null,
  schemas: null,
  schemaPerTenant: null,
  globalTables: [],
  platformRoles: [
    'service_role',
    'authenticator',
    'supabase_admin',
    'supabase_auth_admin',
    'supabase_storage_admin',
    'supabase_realtime_admin',
    'supabase_replication_admin',
    'supabase_functions_admin',
    'supabase_read_only_user',
    'dashboard_user',
  ],
  anonRole: 'anon',
  rules: {},
  ignore: [],
  statementTimeoutMs: 30_000,
  setup: [],
  lockTimeoutMs: 5_000,
  docsBaseUrl: null,
  databases: [],
};
