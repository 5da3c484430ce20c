/**
 * The effective access matrix: for every tenant table, each role the verdicts
 * are about and each command it holds, which rows Postgres lets it reach and
 * which new rows it lets it write — plus the surfaces that go around row level
 * security (TRUNCATE, views and SECURITY DEFINER functions running with their
 * owner's rights). It is plain, versioned JSON (`tenantguard snapshot`), so a
 * matrix taken from a live database can be compared later (docs/diff.md).
 */
import type { Source } from '../db/types.js';
import type { Exemption } from '../tenancy/effective.js';

/** The shape of the document; bumped on any incompatible change. */
export const MATRIX_FORMAT_VERSION = 1;

/**
 * Which rows a role reaches, from tightest to loosest:
 * - `none`: no row (no permissive policy, or policies that admit nothing);
 * - `own`: only rows of the session's tenant (the tenant column is pinned);
 * - `user`: only rows pinned to the current user, not to a tenant;
 * - `unknown`: the analysis cannot decide (a helper or expression it cannot read);
 * - `any`: rows of every tenant (a loose policy, or no policy applies at all).
 */
export type Reach = 'none' | 'own' | 'user' | 'unknown' | 'any';

export type CellCommand = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'EXECUTE';

/**
 * How the reach is decided:
 * - `policies`: the table's RLS policies apply to the role;
 * - an exemption: no policy applies (RLS off, the owner without FORCE, a member
 *   of the owner, SUPERUSER, BYPASSRLS);
 * - `truncate`: TRUNCATE, which row level security never checks;
 * - `view-owner` / `security-invoker`: a view reads its tables with its owner's / the caller's rights;
 * - `definer`: a SECURITY DEFINER function runs with its owner's rights.
 */
export type Via = 'policies' | Exemption | 'truncate' | 'view-owner' | 'security-invoker' | 'definer';

/** A policy clause as it takes part in a cell. */
export interface PolicyRef {
  name: string;
  permissive: boolean;
  /** Which expression is used: USING, or WITH CHECK (USING stands in when a policy has none: `fallback`). */
  clause: 'using' | 'withCheck';
  fallback: boolean;
  /** pg_get_expr text of the clause; null when the policy has no expression for this side (it admits nothing). */
  text: string | null;
  /** It is what makes the cell as loose as it is (a culprit of `any`, `user` or `unknown`). */
  loose: boolean;
}

/** One role and command on one object. */
export interface AccessCell {
  /** A role name, or `PUBLIC` for grants to every role. */
  role: string;
  command: CellCommand;
  via: Via;
  /** Existing rows the command reaches (USING): SELECT, UPDATE, DELETE, TRUNCATE; what a view or function reads. Null when the command reads none. */
  rows: Reach | null;
  /** New rows it may write (WITH CHECK): INSERT, UPDATE; what a function writes. Null when the command writes none. */
  check: Reach | null;
  /** The policies deciding `rows` and `check`, sorted; empty unless via is `policies`. */
  policies: PolicyRef[];
  /** Why the reach is not tighter, one sentence each; empty for none and own. */
  reasons: string[];
}

export interface TableEntry {
  schema: string;
  name: string;
  owner: string;
  /** ENABLE ROW LEVEL SECURITY. */
  rls: boolean;
  /** FORCE ROW LEVEL SECURITY. */
  force: boolean;
  /** Sorted by role, then command. */
  cells: AccessCell[];
}

export interface ViewEntry {
  schema: string;
  name: string;
  kind: 'view' | 'materialized-view';
  owner: string;
  securityInvoker: boolean;
  /** The tenant tables it reads, `schema.name`, sorted. */
  tables: string[];
  /** SELECT, one per role that can read it. */
  cells: AccessCell[];
}

export interface FunctionEntry {
  schema: string;
  name: string;
  /** pg_get_function_identity_arguments */
  arguments: string;
  owner: string;
  /** search_path pinned in the function's settings; without it a caller's objects can run with the owner's rights. */
  searchPathPinned: boolean;
  /** The tenant tables it reads or writes, `schema.name`, sorted. */
  tables: string[];
  /** EXECUTE, one per role that can call it: `rows` what it reads, `check` what it writes. */
  cells: AccessCell[];
}

/**
 * A role that can SET ROLE to a superuser or a BYPASSRLS role: no policy
 * holds it back once it does (attributes are never inherited, so its cells do
 * not show it; docs/postgres-rls.md#bypassrls).
 */
export interface RoleEntry {
  name: string;
  /** The role it can become. */
  via: string;
  attribute: 'superuser' | 'bypassrls';
}

/** The whole document (`tenantguard snapshot --output access.json`). */
export interface AccessMatrix {
  tool: 'tenantguard';
  document: 'access-matrix';
  formatVersion: typeof MATRIX_FORMAT_VERSION;
  /** The tenantguard version that wrote it. */
  version: string;
  source: Source;
  tenantColumn: string;
  /** The configured app role; null when every non-owner role with grants counts. */
  appRole: string | null;
  /** Tenant tables (foreign tables excepted), sorted by schema and name. */
  tables: TableEntry[];
  /** Views and materialized views reading tenant tables, sorted. */
  views: ViewEntry[];
  /** SECURITY DEFINER functions that touch tenant tables or leave search_path unpinned, sorted. */
  functions: FunctionEntry[];
  /** Roles of the cells that can become a role exempt from every policy, sorted. */
  roles: RoleEntry[];
}

/** `schema.name`, the key of a table, view or function in a matrix. */
export function entryKey(entry: { schema: string; name: string; arguments?: string }): string {
  return entry.arguments === undefined ? `${entry.schema}.${entry.name}` : `${entry.schema}.${entry.name}(${entry.arguments})`;
}

const COMMAND_ORDER: readonly CellCommand[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'EXECUTE'];

/** The order of cells in an entry: by role, then command in the order above. */
export function byRoleThenCommand(a: AccessCell, b: AccessCell): number {
  if (a.role !== b.role) return a.role < b.role ? -1 : 1;
  return COMMAND_ORDER.indexOf(a.command) - COMMAND_ORDER.indexOf(b.command);
}

export function sortCommands(commands: readonly CellCommand[]): CellCommand[] {
  return [...commands].sort((a, b) => COMMAND_ORDER.indexOf(a) - COMMAND_ORDER.indexOf(b));
}
