/**
 * Rewrites of boolean expressions that are exact in SQL's three-valued logic
 * and bring a condition to a shape the analysis judges: `helper(x) = true`
 * is `helper(x)`, `(SELECT count(*) FROM m WHERE …) = 0` is
 * `NOT EXISTS (SELECT FROM m WHERE …)`, `NOT (a IS DISTINCT FROM b)` is
 * `a IS NOT DISTINCT FROM b`. Conditions known to hold in a function body
 * (the negation of a guard that raises) are split into their conjuncts.
 */
import type { Expr, Query } from './model.js';

const ZERO_MEANS_NONE = new Set(['=', '<=']);
const ZERO_MEANS_SOME = new Set(['<>', '!=', '>']);

/** `(SELECT count(…) FROM …)` without GROUP BY: the query it counts the rows of. */
function countedQuery(e: Expr): Query | null {
  if (e.kind !== 'sublink' || e.link !== 'expr') return null;
  const q = e.query;
  if (q.setOp || q.grouped || q.targets.length !== 1 || q.from.length === 0) return null;
  const t = q.targets[0]!;
  return t.kind === 'call' && t.name.at(-1)?.toLowerCase() === 'count' ? q : null;
}

function exists(query: Query, some: boolean): Expr {
  const e: Expr = { kind: 'sublink', link: 'exists', test: null, op: null, query };
  return some ? e : { kind: 'not', arg: e };
}

const MIRROR: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/**
 * A comparison that says only whether a condition holds or whether rows
 * exist, rewritten to that condition; null when `e` is no such comparison.
 */
export function plainComparison(e: Extract<Expr, { kind: 'op' }>): Expr | null {
  if (!e.left) return null;
  for (const [side, value, op] of [
    [e.left, e.right, e.op],
    [e.right, e.left, MIRROR[e.op] ?? e.op],
  ] as const) {
    if (value.kind !== 'const') continue;
    if (typeof value.value === 'boolean' && (op === '=' || op === '<>' || op === '!=')) {
      // `x = true` is x, NULL included; `x = false` and `x <> true` are NOT x
      return value.value === (op === '=') ? side : { kind: 'not', arg: side };
    }
    const counted = countedQuery(side);
    if (!counted || typeof value.value !== 'number') continue;
    if (value.value === 0 && ZERO_MEANS_NONE.has(op)) return exists(counted, false);
    if (value.value === 1 && op === '<') return exists(counted, false);
    if (value.value === 0 && ZERO_MEANS_SOME.has(op)) return exists(counted, true);
    if (value.value === 1 && op === '>=') return exists(counted, true);
  }
  return null;
}

/** NOT of `e` moved inside where that is exact; null when it cannot be. */
export function pushNot(e: Expr): Expr | null {
  switch (e.kind) {
    case 'not':
      return e.arg;
    case 'distinct':
      return { ...e, negated: !e.negated };
    case 'op': {
      const plain = plainComparison(e);
      if (plain) return negation(plain);
      if (!e.left) return null;
      if (e.op === '=') return { ...e, op: '<>' };
      if (e.op === '<>' || e.op === '!=') return { ...e, op: '=' };
      return null;
    }
    default:
      return null;
  }
}

/** The negation of `e`, with NOT pushed through AND and OR (De Morgan holds in three-valued logic). */
export function negation(e: Expr): Expr {
  if (e.kind === 'and') return { kind: 'or', args: e.args.map(negation) };
  if (e.kind === 'or') return { kind: 'and', args: e.args.map(negation) };
  if (e.kind === 'null-test') return { ...e, isNull: !e.isNull };
  return pushNot(e) ?? { kind: 'not', arg: e };
}

/** The conjuncts of a condition known to hold. */
export function conjuncts(e: Expr): Expr[] {
  if (e.kind === 'and') return e.args.flatMap(conjuncts);
  if (e.kind === 'op') {
    const plain = plainComparison(e);
    if (plain) return conjuncts(plain);
  }
  if (e.kind === 'not') {
    const pushed = pushNot(e.arg);
    if (pushed) return conjuncts(pushed);
  }
  return [e];
}
