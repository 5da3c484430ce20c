/**
 * Effective row level security, per tenant table × role × command, the way
 * Postgres applies it (ddl-rowsecurity, sql-createpolicy; docs/postgres-rls.md#rls-enable, #owner-bypass, #bypassrls, #permissive-restrictive, #with-check-fallback):
 * - RLS off, the owner (or a member of it with INHERIT) without FORCE, a
 *   superuser or a BYPASSRLS role: no policy applies;
 * - a policy applies when its command is the command or ALL and its roles
 *   include PUBLIC or a role whose privileges the role holds;
 * - permissive policies are OR-ed, restrictive ones AND-ed, and with no
 *   permissive policy nothing is admitted;
 * - the check on new rows is WITH CHECK, else USING (FOR ALL / UPDATE, and
 *   restrictive policies too); a permissive policy with neither admits nothing.
 */
import type { Catalog, Policy, PolicyCommand, Privilege, RoutineInfo, Table } from '../catalog/types.js';
import { createPolicyAnalyzer, type ClauseAnalysis, type ClauseName, type PolicyAnalyzer } from '../policy/analyzer.js';
import type { FunctionAccess } from '../policy/function-access.js';
import { loadParser } from '../sql/parser.js';
import { allOf, anyOf, DENY, TENANT, type Scope, type Verdict } from '../policy/verdict.js';
import { listClauses, listTenantClauses, readsContextSetting, type PolicyClause } from './clauses.js';
import { hasPrivilegesOf, isAppFacing, ownerAccess, PUBLIC, reachingRoles, tablePrivileges } from './roles.js';
import type { Tenancy, TenantTable } from './types.js';
import { tenantPinningTriggers, type TenantPinningTrigger, type WriteCommand } from './write-triggers.js';

export type Command = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
export const COMMANDS: readonly Command[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** One policy's contribution to a predicate. */
export interface PolicyTerm {
  policy: Policy;
  /** The clause whose expression is used. */
  clause: ClauseName;
  /** USING stands in for a missing WITH CHECK (docs/postgres-rls.md#with-check-fallback). */
  fallback: boolean;
  /** null: the policy has no expression for this side. */
  analysis: ClauseAnalysis | null;
  verdict: Verdict;
}

export interface EffectivePredicate {
  verdict: Verdict;
  permissive: PolicyTerm[];
  restrictive: PolicyTerm[];
  /** Permissive terms that make the predicate as loose as it is; empty when it is tenant-scoped or denies. */
  culprits: PolicyTerm[];
  /**
   * A BEFORE ROW trigger that copies the tenant of new rows from a parent the role sees only
   * within its tenant: it scopes the check whatever the policies admit (write-triggers.ts).
   */
  pinnedBy: TenantPinningTrigger | null;
}

export type Exemption = 'rls-disabled' | 'owner' | 'member-of-owner' | 'superuser' | 'bypassrls';

export interface EffectiveAccess {
  tenantTable: TenantTable;
  table: Table;
  /** A role name, or `PUBLIC` for grants to everyone. */
  role: string;
  command: Command;
  /** Why no policy applies to this role; null when policies decide. */
  exemption: Exemption | null;
  /** Which existing rows the command reaches (USING): SELECT, UPDATE, DELETE. */
  read: EffectivePredicate | null;
  /** Which new rows it may write (WITH CHECK): INSERT, UPDATE. */
  check: EffectivePredicate | null;
}

export type AccessVerdict = 'denied' | 'tenant-scoped' | 'owner-scoped' | 'unverified' | 'leaky';

const VERDICT_OF_SCOPE: Record<Scope, AccessVerdict> = {
  deny: 'denied',
  tenant: 'tenant-scoped',
  owner: 'owner-scoped',
  unknown: 'unverified',
  open: 'leaky',
};

export function verdictOf(predicate: EffectivePredicate): AccessVerdict {
  return VERDICT_OF_SCOPE[predicate.verdict.scope];
}

export interface PolicySemantics {
  /** Every tenant table (foreign tables excepted) × reaching role holding the privilege × command. */
  effective: readonly EffectiveAccess[];
  /** The entries of `effective` for one table. */
  accessesOf(table: Table): readonly EffectiveAccess[];
  /** Role-independent analysis of one clause of a policy. */
  clause(table: Table, policy: Policy, which: ClauseName): ClauseAnalysis | null;
  /** Effective access of any role on any table (views and functions run as their owner). */
  accessOf(table: Table, role: string, command: Command): Omit<EffectiveAccess, 'tenantTable'>;
  /** What a SECURITY DEFINER function's body reads and writes (null: no analyser was needed). */
  functionAccess(fn: RoutineInfo): FunctionAccess | null;
  /** Every USING and WITH CHECK of every policy on a tenant table, analysed (computed once). */
  tenantClauses(): readonly PolicyClause[];
  /**
   * Every USING and WITH CHECK of every policy on the tenant root, analysed (computed once): the root
   * is not a tenant table, but a policy on it that a client-settable switch or an unset context opens
   * hands every tenant's root row to whoever reaches it. `accessesOf(root)` judges who does.
   */
  rootClauses(): readonly PolicyClause[];
  /** The app keeps its tenant in the configured context setting (computed once; see clauses.ts). */
  usesContextSetting(): boolean;
  /** The role is one the app's users go through, not a hosting platform's own service role (roles.ts). */
  appFacing(role: string): boolean;
}

function appliesToCommand(policy: PolicyCommand, command: Command): boolean {
  return policy === 'ALL' || policy === command;
}

function appliesToRole(tenancy: Tenancy, policy: Policy, role: string): boolean {
  return policy.roles.some((r) => r === 'public' || (role !== PUBLIC && hasPrivilegesOf(tenancy.roles, role, r)));
}

export function exemptionOf(tenancy: Tenancy, table: Table, role: string): Exemption | null {
  if (!table.rlsEnabled) return 'rls-disabled';
  if (role === PUBLIC) return null;
  const r = tenancy.roles.roles.get(role);
  if (r?.superuser) return 'superuser';
  if (r?.bypassRls) return 'bypassrls';
  const access = ownerAccess(tenancy.roles, role, table);
  if (!table.rlsForced && (access === 'owner' || access === 'member-of-owner')) return access;
  return null;
}

function combine(permissive: PolicyTerm[], restrictive: PolicyTerm[]): EffectivePredicate {
  const any = anyOf(permissive.map((t) => t.verdict));
  // a restrictive policy without an expression for this side restricts nothing
  const limits = restrictive.filter((t) => t.analysis !== null).map((t) => t.verdict);
  const verdict = permissive.length === 0 ? DENY : allOf([any, ...limits]);
  const loose = verdict.scope !== 'deny' && verdict.scope !== 'tenant';
  const culprits = loose
    ? permissive.filter((t) => t.verdict.scope === any.scope && (!any.alwaysTrue || t.verdict.alwaysTrue))
    : [];
  return { verdict, permissive, restrictive, culprits, pinnedBy: null };
}

/** The check on new rows once a tenant-pinning trigger has overwritten their tenant column. */
function pinned(check: EffectivePredicate, pin: TenantPinningTrigger): EffectivePredicate {
  if (check.verdict.scope === 'deny' || check.verdict.scope === 'tenant') return check;
  return { ...check, verdict: allOf([check.verdict, TENANT]), culprits: [], pinnedBy: pin };
}

export async function analyzePolicies(catalog: Catalog, tenancy: Tenancy): Promise<PolicySemantics> {
  const selectScopes = new Map<string, Scope | null>();
  let analyzer: PolicyAnalyzer | null = null;

  const term = (table: Table, policy: Policy, side: 'read' | 'check', role: string | null): PolicyTerm => {
    const clause = (which: ClauseName) => analyzer!.clause(table, policy, which, role);
    let analysis: ClauseAnalysis | null;
    let which: ClauseName = 'using';
    let fallback = false;
    if (side === 'read') analysis = clause('using');
    else {
      analysis = clause('withCheck');
      which = 'withCheck';
      if (analysis === null && policy.using !== null) {
        analysis = clause('using');
        which = 'using';
        fallback = true;
      }
    }
    return { policy, clause: which, fallback, analysis, verdict: analysis?.verdict ?? DENY };
  };

  // A table whose policies are all FOR ALL gives a role the same predicate for every command
  // (unless a tenant-pinning trigger scopes a write command): built once per table, role and side.
  const forAllCommands = new Map<Table, Map<string, Partial<Record<'read' | 'check', EffectivePredicate>>>>();
  const predicate = (table: Table, role: string, command: Command, side: 'read' | 'check'): EffectivePredicate => {
    if (!table.policies.every((p) => p.command === 'ALL') || (side === 'check' && pins.get(table)?.has(command as WriteCommand))) {
      return predicateFor(table, role, command, side);
    }
    let byRole = forAllCommands.get(table);
    if (!byRole) forAllCommands.set(table, (byRole = new Map()));
    let sides = byRole.get(role);
    if (!sides) byRole.set(role, (sides = {}));
    return (sides[side] ??= predicateFor(table, role, command, side));
  };

  const predicateFor = (table: Table, role: string, command: Command, side: 'read' | 'check'): EffectivePredicate => {
    const applicable = table.policies.filter(
      (p) => appliesToCommand(p.command, command) && appliesToRole(tenancy, p, role),
    );
    const terms = applicable.map((p) => term(table, p, side, role === PUBLIC ? null : role));
    const combined = combine(terms.filter((t) => t.policy.permissive), terms.filter((t) => !t.policy.permissive));
    const pin = side === 'check' ? pins.get(table)?.get(command as WriteCommand) : undefined;
    // the trigger's lookup runs with the writer's rights: it finds only parents the role's policies let it see
    return pin && rowScope(pin.parent, role) === 'tenant' ? pinned(combined, pin) : combined;
  };

  const accessOf = (table: Table, role: string, command: Command): Omit<EffectiveAccess, 'tenantTable'> => {
    const exemption = exemptionOf(tenancy, table, role);
    const policiesDecide = exemption === null;
    return {
      table,
      role,
      command,
      exemption,
      read: policiesDecide && command !== 'INSERT' ? predicate(table, role, command, 'read') : null,
      check: policiesDecide && (command === 'INSERT' || command === 'UPDATE') ? predicate(table, role, command, 'check') : null,
    };
  };

  // How a table's own RLS limits what a role sees of it inside a policy's subquery.
  const rowScope = (table: Table, role: string | null): Scope | null => {
    if (role === null || exemptionOf(tenancy, table, role) !== null) return null;
    const key = `${table.oid}|${role}`;
    if (selectScopes.has(key)) return selectScopes.get(key)!;
    selectScopes.set(key, null); // a policy that reads its own table recurses: judge it unlimited meanwhile
    const scope = predicate(table, role, 'SELECT', 'read').verdict.scope;
    selectScopes.set(key, scope);
    return scope;
  };

  if (catalog.tables.some((t) => t.policies.length > 0) || catalog.functions.some((f) => f.securityDefiner)) {
    analyzer = await createPolicyAnalyzer(catalog, tenancy.tenantColumn, rowScope, { anon: tenancy.anonRole, platform: tenancy.platformRoles });
  }
  // BEFORE ROW triggers that may set the tenant of new rows, read once per table
  const pins = new Map<Table, ReadonlyMap<WriteCommand, TenantPinningTrigger>>();
  const triggered = tenancy.tenantTables.filter(({ table }) => table.policies.length > 0 && table.triggers.some((t) => t.beforeRow));
  if (triggered.length > 0) {
    const parser = await loadParser();
    for (const { table } of triggered) pins.set(table, tenantPinningTriggers(catalog, table, tenancy.tenantColumn, parser));
  }

  const accessesByRole = (tenantTable: TenantTable): EffectiveAccess[] => {
    const { table } = tenantTable;
    const own: EffectiveAccess[] = [];
    for (const role of reachingRoles(tenancy, table)) {
      const held = new Set<Privilege>(tablePrivileges(tenancy.roles, role, table));
      for (const command of COMMANDS) {
        if (held.has(command)) own.push({ tenantTable, ...accessOf(table, role, command) });
      }
    }
    return own;
  };

  const effective: EffectiveAccess[] = [];
  const byTable = new Map<Table, EffectiveAccess[]>();
  for (const tenantTable of tenancy.tenantTables) {
    if (tenantTable.table.kind === 'foreign-table') continue;
    const own = accessesByRole(tenantTable);
    byTable.set(tenantTable.table, own);
    effective.push(...own);
  }
  // The root's rows are the tenants themselves (its key is what tenant columns hold): judged for the
  // rules about its policies, kept out of `effective`, which the rules about tenant tables read.
  const { root } = tenancy;
  if (root !== null && root.kind !== 'foreign-table') {
    byTable.set(root, accessesByRole({ table: root, direct: true, reason: 'tenant-column', path: [] }));
  }

  const clause = (table: Table, policy: Policy, which: ClauseName) => analyzer?.clause(table, policy, which, null) ?? null;
  let clauses: readonly PolicyClause[] | null = null;
  let rootClauses: readonly PolicyClause[] | null = null;
  let contextSetting: boolean | null = null;
  return {
    effective,
    accessesOf: (table) => byTable.get(table) ?? [],
    clause,
    accessOf,
    functionAccess: (fn) => analyzer?.functionAccess(fn) ?? null,
    tenantClauses: () => (clauses ??= listTenantClauses(tenancy, clause)),
    rootClauses: () => (rootClauses ??= root === null || root.kind === 'foreign-table' ? [] : listClauses([root], clause)),
    usesContextSetting: () => (contextSetting ??= readsContextSetting(tenancy, clause)),
    appFacing: (role) => isAppFacing(tenancy, role),
  };
}
