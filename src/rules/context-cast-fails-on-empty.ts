import type { Catalog, Policy, RoutineInfo, Table } from '../catalog/types.js';
import type { Expr } from '../policy/model.js';
import { printExpr } from '../policy/print.js';
import { alterPolicy } from '../sql/statements.js';
import { displayName } from '../sql/quote.js';
import { policyLabel, tableLabel } from '../tenancy/describe-policy.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

/** Types whose input function accepts '' (the cast cannot fail on an empty setting). */
const TEXT_TYPES = new Set(['text', 'character varying', 'varchar', 'character', 'bpchar', 'name', 'unknown']);

const isContextCall = (e: Expr): e is Extract<Expr, { kind: 'call' }> =>
  e.kind === 'call' && e.name.at(-1)!.toLowerCase() === 'current_setting' && (e.name.length === 1 || e.name[0] === 'pg_catalog');

/** `current_setting('app.current_org_id', true)`, without the `::text` pg_get_expr adds to the literal. */
function callText(call: Extract<Expr, { kind: 'call' }>): string {
  const [name, missingOk] = call.args.map((a) => (a.kind === 'cast' ? a.arg : a));
  if (name?.kind !== 'const' || typeof name.value !== 'string') return printExpr(call);
  const second = missingOk ? `, ${missingOk.kind === 'const' ? String(missingOk.value) : printExpr(missingOk)}` : '';
  return `current_setting('${name.value.replace(/'/g, "''")}'${second})`;
}

/** Every `current_setting(…)::type` in the expression whose argument is not guarded by NULLIF(…, ''). */
function unguardedCasts(e: Expr | null, out: string[] = []): string[] {
  if (e === null) return out;
  if (e.kind === 'cast' && isContextCall(e.arg) && !TEXT_TYPES.has(e.type.toLowerCase())) {
    out.push(`${callText(e.arg)}::${e.type}`);
    return out;
  }
  if (e.kind === 'nullif') return out; // NULLIF(current_setting(…), '')::type is the fail-closed form
  for (const child of children(e)) unguardedCasts(child, out);
  return out;
}

function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'call':
      return e.args;
    case 'op':
      return e.left ? [e.left, e.right] : [e.right];
    case 'op-any':
    case 'distinct':
      return [e.left, e.right];
    case 'in':
      return [e.left, ...e.list];
    case 'and':
    case 'or':
    case 'coalesce':
      return e.args;
    case 'not':
    case 'cast':
    case 'null-test':
    case 'bool-test':
      return [e.arg];
    case 'array':
      return e.elements;
    case 'sublink':
      return [...(e.test ? [e.test] : []), ...queryExprs(e.query)];
    case 'other':
      return [...e.children, ...e.queries.flatMap(queryExprs)];
    default:
      return [];
  }
}

function queryExprs(q: Extract<Expr, { kind: 'sublink' }>['query']): Expr[] {
  if (q.setOp) return [...queryExprs(q.setOp.left), ...queryExprs(q.setOp.right)];
  return [...q.targets, ...(q.where ? [q.where] : [])];
}

/**
 * pg_get_expr prints a cast of current_setting as `(current_setting('x'::text, true))::uuid`;
 * the same text with NULLIF(…, '') around the call is the fail-closed form.
 */
const PRINTED_CAST = /\(current_setting\(('(?:[^']|'')*'::text(?:, (?:true|false))?)\)\)::(?!text\b|character varying\b)/g;

function guarded(text: string): string {
  return text.replace(PRINTED_CAST, "(NULLIF(current_setting($1), ''::text))::");
}

function fixFor(table: Table, policy: Policy): Fix | null {
  const changes: string[] = [];
  if (policy.using !== null && guarded(policy.using) !== policy.using) changes.push(`USING (${guarded(policy.using)})`);
  if (policy.withCheck !== null && guarded(policy.withCheck) !== policy.withCheck) changes.push(`WITH CHECK (${guarded(policy.withCheck)})`);
  if (changes.length === 0) return null;
  return { title: `Read the context with NULLIF(…, '') in ${policyLabel(policy)}`, sql: alterPolicy(policy.name, table, changes.join(' ')) };
}

/** `current_setting('x', true)::uuid` written in a SQL or PL/pgSQL helper body (its text as created). */
const BODY_CAST = /(?<!nullif\s*\(\s*)current_setting\s*\(\s*'[^']*'\s*(?:,\s*\w+\s*)?\)\s*::\s*(?!text\b|varchar\b|character\b)([a-z_][a-z0-9_]*)/i;

function helpersWithCast(catalog: Catalog, policies: readonly Policy[]): RoutineInfo[] {
  const called = new Set(policies.flatMap((p) => p.dependsOn.functions.map((f) => `${f.schema}.${f.name}`)));
  return catalog.functions.filter(
    (fn) => called.has(`${fn.schema}.${fn.name}`) && (fn.language === 'sql' || fn.language === 'plpgsql') && BODY_CAST.test(fn.body),
  );
}

const WHY =
  "after a transaction that set it with SET LOCAL or set_config(…, true), the setting reads '' on that pooled connection, " +
  'and casting an empty string raises an error: queries outside a tenant transaction fail instead of returning no row';

export default defineRule({
  id: 'context-cast-fails-on-empty',
  title: "Tenant context cast that fails on ''",
  defaultSeverity: 'warning',
  description:
    "A policy (or a helper it calls) casts current_setting(…) to uuid, integer or boolean without NULLIF(…, ''): the setting reads '' on a pooled connection after a SET LOCAL, and the cast raises an error instead of matching no row.",
  check({ catalog, tenancy, policies }) {
    const problems: Problem[] = [];
    const byPolicy = new Map<string, { table: Table; policy: Policy; casts: Set<string> }>();
    for (const { table, policy, analysis } of policies.tenantClauses()) {
      const casts = unguardedCasts(analysis.expr);
      if (casts.length === 0) continue;
      const key = `${table.oid}|${policy.name}`;
      const entry = byPolicy.get(key) ?? { table, policy, casts: new Set<string>() };
      for (const cast of casts) entry.casts.add(cast);
      byPolicy.set(key, entry);
    }
    for (const { table, policy, casts } of byPolicy.values()) {
      problems.push({
        object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
        message: `${policyLabel(policy)} on ${tableLabel(table)} casts ${[...casts].join(', ')} without NULLIF(…, ''): ${WHY}`,
        fix: fixFor(table, policy),
      });
    }
    const tenantPolicies = tenancy.tenantTables.filter((t) => t.table.kind !== 'foreign-table').flatMap((t) => t.table.policies);
    for (const fn of helpersWithCast(catalog, tenantPolicies)) {
      problems.push({
        object: { kind: 'function', schema: fn.schema, name: fn.name },
        key: fn.identityArguments,
        message:
          `function ${displayName(fn.schema, fn.name)}, which tenant policies call, casts current_setting(…) without NULLIF(…, ''): ${WHY}; ` +
          "write NULLIF(current_setting('…', true), '')::type in its body",
      });
    }
    return problems;
  },
});
