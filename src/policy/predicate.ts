/**
 * Classifies a boolean expression for the rows of the focus table: does
 * every row it admits have the tenant column pinned to the session's tenant?
 * Tautologies, settings any role can SET, fail-open context checks and
 * owner-only pins each get a reason the rules can report. Values, subqueries
 * and helper calls are evaluated through `env.evaluator`.
 */
import { alwaysTrue, compareTerms, gate, keyedVerdict, pinVerdict, unconstrained } from './compare.js';
import type { Env } from './env.js';
import { plainComparison, pushNot } from './logic.js';
import type { Expr, Query } from './model.js';
import { printExpr } from './print.js';
import { claimPresent } from './signed-in.js';
import type { Term } from './terms.js';
import { allOf, anyOf, DENY, open, unknown, type Verdict } from './verdict.js';

function isBareQuery(q: Query): boolean {
  return !q.setOp && q.from.length === 0 && q.where === null && q.targets.length === 1;
}

const TRUE_WORDS = new Set(['t', 'true', 'on', 'yes', 'y', '1']);
const EQUALITY = new Set(['=', '==']);

function nullTest(e: Extract<Expr, { kind: 'null-test' }>, env: Env): Verdict {
  const text = printExpr(e);
  const term = env.evaluator.term(e.arg, env);
  if (term.t === 'context') {
    // `<context> IS NULL` holds exactly when no tenant was chosen (docs/postgres-rls.md#custom-settings)
    if (e.isNull) return open({ kind: 'fail-open', text, setting: term.ctx.setting });
    return claimPresent(term.ctx, env, text) ?? gate(term.ctx, text);
  }
  if (term.t === 'const') return (term.value === null) === e.isNull ? alwaysTrue(text) : DENY;
  if (term.t === 'keyed' && !e.isNull && term.fallback === null) return keyedVerdict(term, env, text);
  if (term.t === 'column' && term.cast === null) {
    const notNull = term.entry.table?.columns.find((c) => c.name === term.column)?.notNull ?? false;
    if (notNull) return e.isNull ? DENY : alwaysTrue(text);
  }
  return unconstrained(text);
}

function booleanTerm(term: Term, env: Env, text: string): Verdict {
  if (term.t === 'const') {
    if (term.value === true || (typeof term.value === 'string' && TRUE_WORDS.has(term.value.toLowerCase()))) return alwaysTrue(text);
    return DENY;
  }
  if (term.t === 'context') return gate(term.ctx, text);
  if (term.t === 'keyed' && term.fallback !== true) return keyedVerdict(term, env, text);
  if (term.t === 'other' && term.unverified) return unknown({ kind: 'unverified', text, detail: term.unverified });
  return unconstrained(text);
}

function negate(inner: Verdict, text: string): Verdict {
  if (inner.scope === 'deny') return alwaysTrue(text);
  if (inner.alwaysTrue) return DENY;
  const keep = inner.reasons.filter((r) => r.kind === 'bypass-setting' || r.kind === 'gate' || r.kind === 'fail-open');
  return keep.length > 0 ? { scope: 'open', alwaysTrue: false, reasons: keep } : unconstrained(text);
}

export function classify(e: Expr, env: Env): Verdict {
  const text = () => printExpr(e);
  const term = (x: Expr) => env.evaluator.term(x, env);
  switch (e.kind) {
    case 'const':
    case 'column':
    case 'param':
    case 'sql-value':
      return booleanTerm(term(e), env, text());
    case 'cast':
      return e.type === 'boolean' ? booleanTerm(term(e.arg), env, text()) : booleanTerm(term(e), env, text());
    case 'and':
      return allOf(e.args.map((a) => classify(a, env)));
    case 'or':
      return anyOf(e.args.map((a) => classify(a, env)));
    case 'not': {
      const pushed = pushNot(e.arg);
      return pushed ? classify(pushed, env) : negate(classify(e.arg, env), text());
    }
    case 'coalesce':
      return anyOf(e.args.map((a) => classify(a, env)));
    case 'op': {
      const plain = plainComparison(e);
      if (plain) return classify(plain, env);
      if (e.left && EQUALITY.has(e.op)) return compareTerms(term(e.left), term(e.right), env, text());
      return inequality(e, env, text());
    }
    case 'distinct':
      if (e.negated) return compareTerms(term(e.left), term(e.right), env, text());
      return unconstrained(text());
    case 'op-any':
      if (e.all || !EQUALITY.has(e.op)) return unconstrained(text());
      return compareTerms(term(e.left), term(e.right), env, text());
    case 'in': {
      if (e.negated) return unconstrained(text());
      const left = term(e.left);
      return anyOf(e.list.map((x) => compareTerms(left, term(x), env, text())));
    }
    case 'null-test':
      return nullTest(e, env);
    case 'bool-test':
      return e.test === 'IS_TRUE' ? classify(e.arg, env) : unconstrained(text());
    case 'sublink':
      if (e.link === 'exists') return env.evaluator.exists(e.query, env);
      if (e.link === 'any' && e.test && (e.op === null || EQUALITY.has(e.op))) return env.evaluator.inSubquery(e.test, e.query, env);
      // (SELECT <condition>) holds exactly when the condition does
      if (e.link === 'expr' && isBareQuery(e.query)) return classify(e.query.targets[0]!, { ...env, frames: [...env.frames, []], inSubquery: true });
      return booleanTerm(term(e), env, text());
    case 'call':
      return env.evaluator.booleanHelper(e, env);
    default:
      return unconstrained(text());
  }
}

/** `<>`, `<`, LIKE …: never pins a column; on session values alone it is a gate. */
function inequality(e: Extract<Expr, { kind: 'op' }>, env: Env, text: string): Verdict {
  const sides = [e.left ? env.evaluator.term(e.left, env) : null, env.evaluator.term(e.right, env)].filter((t): t is Term => t !== null);
  const ctx = sides.find((s): s is Extract<Term, { t: 'context' }> => s.t === 'context');
  // `<claims> ? organization_id::text`: the row's key is one of the caller's claimed keys
  const [left, right] = sides;
  if (e.op === '?' && left?.t === 'context' && right?.t === 'column') return pinVerdict(right, 'context', env, text);
  if (ctx && sides.every((s) => s.t === 'context' || s.t === 'const')) return gate(ctx.ctx, text);
  return unconstrained(text);
}
