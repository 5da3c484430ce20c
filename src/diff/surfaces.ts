/**
 * The surfaces that reach tenant rows around a table's own policies: views
 * (and materialized views) that read tenant tables with their owner's rights
 * unless they are security_invoker, and SECURITY DEFINER functions, which run
 * as their owner — usually exempt from RLS (docs/postgres-rls.md#views, #security-definer).
 */
import type { RoutineInfo, Table, View } from '../catalog/types.js';
import type { RuleContext } from '../rules/types.js';
import { tableLabel } from '../tenancy/describe-policy.js';
import { hasTablePrivilege } from '../tenancy/roles.js';
import { executeGrants, rolesHolding } from '../tenancy/readers.js';
import { tableKey } from '../catalog/types.js';
import { byRoleThenCommand, type AccessCell, type FunctionEntry, type Reach, type ViewEntry } from './matrix.js';
import { exemptionText, loosest, reachOf } from './reach.js';

/** What `role` reaches of `table` with SELECT (the view's owner, or the caller of a security_invoker view). */
function selectReach(context: RuleContext, table: Table, role: string): { reach: Reach; reason: string | null } {
  if (!hasTablePrivilege(context.tenancy.roles, role, table, 'SELECT')) return { reach: 'none', reason: null };
  const access = context.policies.accessOf(table, role, 'SELECT');
  if (access.exemption !== null) {
    return { reach: 'any', reason: `${tableLabel(table)}: ${exemptionText(access.exemption, role, table.owner)}` };
  }
  const reach = reachOf(access.read!.verdict.scope);
  const loose = reach === 'any' || reach === 'unknown' || reach === 'user';
  return { reach, reason: loose ? `${tableLabel(table)}: its policies admit ${reach === 'any' ? 'every tenant\'s rows' : reach === 'user' ? 'the current user\'s rows' : 'rows the analysis cannot decide'}` : null };
}

function tenantTablesOf(context: RuleContext, view: View): Table[] {
  return view.dependsOn.flatMap((dep) => {
    const tenant = context.tenancy.tenantTableByKey.get(tableKey(dep));
    return tenant && tenant.table.kind !== 'foreign-table' ? [tenant.table] : [];
  });
}

function viewCell(context: RuleContext, view: View, tables: Table[], role: string): AccessCell {
  // A materialized view stores what its owner read at REFRESH; a plain view reads at query time.
  const invoker = view.kind === 'view' && view.securityInvoker;
  const reader = invoker ? role : view.owner;
  const reaches = tables.map((t) => selectReach(context, t, reader));
  return {
    role,
    command: 'SELECT',
    via: invoker ? 'security-invoker' : 'view-owner',
    rows: loosest(reaches.map((r) => r.reach)),
    check: null,
    policies: [],
    reasons: reaches.flatMap((r) => (r.reason ? [r.reason] : [])),
  };
}

export function viewEntries(context: RuleContext): ViewEntry[] {
  const entries: ViewEntry[] = [];
  for (const view of context.catalog.views) {
    const tables = tenantTablesOf(context, view);
    if (tables.length === 0) continue;
    const readers = rolesHolding(context.tenancy, view.grants, view.owner, 'SELECT');
    entries.push({
      schema: view.schema,
      name: view.name,
      kind: view.kind,
      owner: view.owner,
      securityInvoker: view.securityInvoker,
      tables: tables.map(tableKey).sort(),
      cells: readers.map((role) => viewCell(context, view, tables, role)).sort(byRoleThenCommand),
    });
  }
  return entries.sort((a, b) => compareKeys(a, b));
}

function compareKeys(a: { schema: string; name: string }, b: { schema: string; name: string }): number {
  const x = `${a.schema}\0${a.name}`;
  const y = `${b.schema}\0${b.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** What a SECURITY DEFINER function reads (`rows`) and writes (`check`) of tenant tables, as its callers get it. */
function functionReach(context: RuleContext, fn: RoutineInfo): { rows: Reach | null; check: Reach | null; tables: Table[]; reasons: string[] } | null {
  const { tenancy, policies } = context;
  const access = policies.functionAccess(fn);
  const tenant = (tables: readonly Table[]) => tables.filter((t) => tenancy.tenantTableByKey.has(tableKey(t)));
  const reads = tenant(access?.reads ?? []);
  const unlimited = tenant(access?.unlimitedReads ?? []);
  const writes = tenant(access?.writes ?? []);
  const undecided = access?.dynamic === true || (access?.problem ?? null) !== null;
  if (reads.length === 0 && writes.length === 0 && !undecided && fn.searchPath !== null) return null;
  const reasons: string[] = [];
  if (unlimited.length > 0) reasons.push(`it reads ${unlimited.map(tableLabel).join(', ')} without limiting the rows to the caller's tenant or user`);
  // A write goes around the policies when they do not apply to the owner; otherwise the owner's WITH CHECK decides.
  const writeReaches = writes.map((t) => {
    const owner = policies.accessOf(t, fn.owner, 'INSERT');
    if (owner.exemption !== null) reasons.push(`it writes ${tableLabel(t)} around row level security: ${exemptionText(owner.exemption, fn.owner, t.owner)}`);
    return owner.exemption !== null ? 'any' : reachOf(owner.check!.verdict.scope);
  });
  if (access?.dynamic) reasons.push('it runs dynamic SQL, whose tables cannot be checked');
  if (access?.problem) reasons.push(`its body cannot be checked: ${access.problem}`);
  if (fn.searchPath === null) reasons.push("its search_path is not pinned, so a caller's objects earlier on the search_path run with the owner's rights");
  // A side the function has nothing on is null, like a command's: reads only, writes only, or both.
  const readReach: Reach | null = unlimited.length > 0 ? 'any' : undecided ? 'unknown' : reads.length > 0 ? 'own' : null;
  const writeReach: Reach | null = writes.length > 0 || undecided ? loosest([...writeReaches, undecided ? 'unknown' : 'none']) : null;
  return { rows: readReach, check: writeReach, tables: [...new Set([...reads, ...writes])], reasons };
}

export function functionEntries(context: RuleContext): FunctionEntry[] {
  const entries: FunctionEntry[] = [];
  for (const fn of context.catalog.functions) {
    if (!fn.securityDefiner) continue;
    const reach = functionReach(context, fn);
    if (reach === null) continue;
    const callers = rolesHolding(context.tenancy, executeGrants(fn.executeGrantees), fn.owner, 'EXECUTE');
    entries.push({
      schema: fn.schema,
      name: fn.name,
      arguments: fn.identityArguments,
      owner: fn.owner,
      searchPathPinned: fn.searchPath !== null,
      tables: reach.tables.map(tableKey).sort(),
      cells: callers
        .map((role): AccessCell => ({ role, command: 'EXECUTE', via: 'definer', rows: reach.rows, check: reach.check, policies: [], reasons: reach.reasons }))
        .sort(byRoleThenCommand),
    });
  }
  return entries.sort((a, b) => compareKeys(a, b) || (a.arguments < b.arguments ? -1 : a.arguments > b.arguments ? 1 : 0));
}
