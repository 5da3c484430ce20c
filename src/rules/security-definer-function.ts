import type { RoutineInfo } from '../catalog/types.js';
import type { FunctionAccess, Touch } from '../policy/function-access.js';
import type { Decision } from '../policy/verdict.js';
import { displayName } from '../sql/quote.js';
import { pinSearchPath, securityInvokerFunction } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import type { PolicySemantics } from '../tenancy/effective.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { executeGrants, rolesHolding } from '../tenancy/readers.js';
import { hasTablePrivilege, PUBLIC } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

function labels(touches: readonly Touch[]): string {
  return touches.map((t) => tableLabel(t.table)).join(', ');
}

/**
 * Pinning the search_path closes only the search_path hole. When the body
 * reads or writes tenant rows past the callers' policies, the function is run
 * with its caller's rights instead (SECURITY INVOKER, as security_invoker does
 * for a view): the caller's own privileges and policies then decide which
 * rows it reaches, and no function of this kind is left. Offered only when
 * that keeps it working for its callers: it can be called directly (a trigger
 * function writing around RLS usually does so on purpose), its whole body was
 * read (no dynamic SQL), and every role named as a caller holds the table
 * privileges its statements need (SELECT on what it reads, and INSERT, UPDATE
 * and DELETE on what it writes: which of them a write uses is not recorded).
 */
function fixFor(tenancy: Tenancy, fn: RoutineInfo, label: string, access: FunctionAccess | null, callers: readonly string[], aroundRls: boolean): Fix | null {
  const named = callers.filter((r) => r !== PUBLIC);
  const needs = (t: Touch) => (t.write ? (['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const) : (['SELECT'] as const));
  const keepsWorking =
    access !== null &&
    access.callable &&
    !access.dynamic &&
    access.problem === null &&
    named.length > 0 &&
    named.every((r) => access.touches.every((t) => needs(t).every((p) => hasTablePrivilege(tenancy.roles, r, t.table, p))));
  if (aroundRls && keepsWorking) return { title: `Run ${label} with the caller's rights`, sql: securityInvokerFunction(fn) };
  return fn.searchPath === null ? { title: `Pin the search_path of ${label}`, sql: pinSearchPath(fn) } : null;
}

function problemFor(tenancy: Tenancy, policies: PolicySemantics, fn: RoutineInfo): Problem | null {
  const label = `${displayName(fn.schema, fn.name)}(${fn.identityArguments})`;
  const access = policies.functionAccess(fn);
  // Postgres refuses to call a trigger function directly: it runs only when its trigger fires
  const callable = access?.callable ?? true;
  const callers = callable ? rolesHolding(tenancy, executeGrants(fn.executeGrantees), fn.owner, 'EXECUTE') : [];
  const noun = tenantNoun(tenancy);
  const touches = (access?.touches ?? []).filter(
    (t) =>
      tenancy.tenantTableByKey.has(`${t.table.schema}.${t.table.name}`) &&
      // writes are checked by policies only when RLS applies to the owner
      (!t.write || policies.accessOf(t.table, fn.owner, 'INSERT').exemption !== null),
  );
  const of = (write: boolean, decision: Decision) => touches.filter((t) => t.write === write && t.decision === decision);
  const errors: string[] = [];
  const notes: string[] = [];
  if (fn.searchPath === null) errors.push('it has no pinned search_path, so objects a caller places earlier on the search_path run with the owner\'s rights');
  const openWrites = of(true, 'not-scoped');
  if (openWrites.length > 0) errors.push(`it writes ${labels(openWrites)} around row level security without checking that the rows belong to the caller's ${noun}`);
  const openReads = of(false, 'not-scoped');
  if (openReads.length > 0) errors.push(`it reads ${labels(openReads)} without limiting the rows to the caller's ${noun} or user`);
  for (const t of [...of(true, 'unknown'), ...of(false, 'unknown')]) {
    notes.push(`could not prove the function checks its caller before it ${t.write ? 'writes' : 'reads'} ${tableLabel(t.table)}${t.detail ? ` (${t.detail})` : ''}`);
  }
  const scopedWrites = of(true, 'scoped');
  if (scopedWrites.length > 0) notes.push(`it writes ${labels(scopedWrites)} only after checking that the rows belong to the caller's ${noun} or user`);
  const scopedReads = of(false, 'scoped');
  if (scopedReads.length > 0) notes.push(`it reads ${labels(scopedReads)} only for the current user or ${noun}`);
  if (access?.dynamic) notes.push('could not prove the function checks its caller: it runs dynamic SQL, whose tables cannot be checked');
  if (access?.problem) notes.push(`could not prove the function checks its caller: its body cannot be checked (${access.problem})`);
  // not a tenant-isolation matter: pinned search_path and no tenant table in sight
  if (errors.length === 0 && notes.length === 0) return null;
  const error = errors.length > 0 && callers.length > 0;
  const who = !callable
    ? `it returns ${fn.returns.trim()}, so it cannot be called directly and runs only when its trigger fires`
    : callers.length > 0
      ? `${roleNames(callers)} can execute it`
      : 'only its owner can execute it';
  const why = [...errors, ...notes];
  return {
    object: { kind: 'function', schema: fn.schema, name: fn.name },
    key: fn.identityArguments,
    severity: error ? 'error' : 'warning',
    message:
      `SECURITY DEFINER function ${label} runs with the rights of its owner ${displayName(null, fn.owner)}` +
      `${why.length > 0 ? `; ${why.join('; ')}` : ''}; ${who}`,
    fix: fixFor(tenancy, fn, label, access, callers, openWrites.length + openReads.length > 0),
  };
}

export default defineRule({
  id: 'security-definer-function',
  title: "SECURITY DEFINER function runs with its owner's rights",
  defaultSeverity: 'warning',
  description:
    "A SECURITY DEFINER function runs as its owner, usually exempt from RLS: an error when callers can reach other tenants' rows through it or its search_path is not pinned.",
  check({ catalog, tenancy, policies }) {
    return catalog.functions.filter((f) => f.securityDefiner).flatMap((f) => problemFor(tenancy, policies, f) ?? []);
  },
});
