import type { RoutineInfo, Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { pinSearchPath } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import type { PolicySemantics } from '../tenancy/effective.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { executeGrants, rolesHolding } from '../tenancy/readers.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

function tenantOnly(tenancy: Tenancy, tables: readonly Table[]): Table[] {
  return tables.filter((t) => tenancy.tenantTableByKey.has(`${t.schema}.${t.name}`));
}

function problemFor(tenancy: Tenancy, policies: PolicySemantics, fn: RoutineInfo): Problem | null {
  const label = `${displayName(fn.schema, fn.name)}(${fn.identityArguments})`;
  const callers = rolesHolding(tenancy, executeGrants(fn.executeGrantees), fn.owner, 'EXECUTE');
  const access = policies.functionAccess(fn);
  // writes are checked by policies only when RLS applies to the owner
  const writes = tenantOnly(tenancy, access?.writes ?? []).filter((t) => policies.accessOf(t, fn.owner, 'INSERT').exemption !== null);
  const unlimited = tenantOnly(tenancy, access?.unlimitedReads ?? []);
  const limited = tenantOnly(tenancy, access?.reads ?? []).filter((t) => !unlimited.includes(t));
  const errors: string[] = [];
  const notes: string[] = [];
  if (fn.searchPath === null) errors.push('it has no pinned search_path, so objects a caller places earlier on the search_path run with the owner\'s rights');
  if (writes.length > 0) errors.push(`it writes ${writes.map(tableLabel).join(', ')} around row level security`);
  if (unlimited.length > 0) errors.push(`it reads ${unlimited.map(tableLabel).join(', ')} without limiting the rows to the caller's ${tenantNoun(tenancy)} or user`);
  if (limited.length > 0) notes.push(`it reads ${limited.map(tableLabel).join(', ')} only for the current user or ${tenantNoun(tenancy)}`);
  if (access?.dynamic) notes.push('it runs dynamic SQL, whose tables cannot be checked');
  if (access?.problem) notes.push(`its body cannot be checked: ${access.problem}`);
  // not a tenant-isolation matter: pinned search_path and no tenant table in sight
  if (errors.length === 0 && notes.length === 0) return null;
  const error = errors.length > 0 && callers.length > 0;
  const who = callers.length > 0 ? `${roleNames(callers)} can execute it` : 'only its owner can execute it';
  const why = [...errors, ...notes];
  return {
    object: { kind: 'function', schema: fn.schema, name: fn.name },
    key: fn.identityArguments,
    severity: error ? 'error' : 'warning',
    message:
      `SECURITY DEFINER function ${label} runs with the rights of its owner ${displayName(null, fn.owner)}` +
      `${why.length > 0 ? `; ${why.join('; ')}` : ''}; ${who}`,
    fix:
      fn.searchPath === null
        ? {
            title: `Pin the search_path of ${label}`,
            sql: pinSearchPath(fn),
          }
        : null,
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
