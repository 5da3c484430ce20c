/**
 * Classifies a boolean expression for the rows of the focus table: does
 * every row it admits have the tenant column pinned to the session's tenant?
 * Tautologies, settings any role can SET, fail-open context checks and
 * owner-only pins each get a reason the rules can report.
 */
import type { Env, SetPin } from './env.js';
import { booleanHelper } from './functions.js';
import type { Expr } from './model.js';
import { printExpr } from './print.js';
import { existsVerdict, inVerdict } from './subquery.js';
import { evalTerm, type ContextValue, type Term } from './terms.js';
import { allOf, anyOf, DENY, open, owner, TENANT, unknown, type Verdict } from './verdict.js';

const TRUE_WORDS = new Set(['t', 'true', 'on', 'yes', 'y', '1']);
const EQUALITY = new Set(['=', '==']);

function alwaysTrue(text: string): Verdict {
  return open({ kind: 'always-true', text }, true);
}

function unconstrained(text: string): Verdict {
  return open({ kind: 'unconstrained', text });
}

/** A condition on the session alone: a bypass when it is a custom setting any role can SET (docs/postgres-rls.md#custom-settings). */
export function gate(ctx: ContextValue, text: string): Verdict {
  if (ctx.source === 'setting' && ctx.setting?.includes('.')) return open({ kind: 'bypass-setting', text, setting: ctx.setting });
  return open({ kind: 'gate', text });
}

function isFocusTenantColumn(term: Term, env: Env): boolean {
  return term.t === 'column' && term.entry === env.focus && term.entry.tenantColumn === term.column;
}

function noteCast(term: Extract<Term, { t: 'column' }>, env: Env, text: string): void {
  if (term.cast && env.notes && term.entry === env.frames[0]?.[0]) {
    env.notes.casts.push({ column: term.column, type: term.cast, text });
  }
}

/** The focus column compared with a value (or set of values) pinned to the session. */
export function pinVerdict(column: Extract<Term, { t: 'column' }>, pin: SetPin, env: Env, text: string): Verdict {
  if (column.entry !== env.focus) return unconstrained(text);
  if (isFocusTenantColumn(column, env)) {
    noteCast(column, env, text);
    return TENANT;
  }
  // A table without the tenant column is scoped through a parent pinned to the tenant (tasks.project_id ∈ tenant's projects).
  if (column.entry.tenantColumn === null && pin === 'tenant') return TENANT;
  if (pin === 'tenant' && column.entry.tenantColumn !== null) return unconstrained(text);
  return owner({ kind: 'owner', text, column: column.column });
}

function looseEqual(a: unknown, b: unknown): boolean {
  return String(a) === String(b);
}

const TERM_ORDER: Record<Term['t'], number> = { column: 0, 'coalesce-column': 1, set: 2, context: 3, const: 4, other: 5 };

export function compareTerms(left: Term, right: Term, env: Env, text: string): Verdict {
  const [a, b] = TERM_ORDER[right.t] < TERM_ORDER[left.t] ? [right, left] : [left, right];
  if (a.t === 'column') {
    if (b.t === 'column') {
      if (a.entry !== b.entry || a.column !== b.column) return unconstrained(text);
      if (a.entry !== env.frames[0]?.[0] && a.entry.table) {
        return open({ kind: 'self-comparison', text, table: a.entry.table.name, column: a.column }, true);
      }
      return alwaysTrue(text);
    }
    if (b.t === 'coalesce-column') {
      if (b.entry === a.entry && b.column === a.column) return open({ kind: 'fail-open', text, setting: b.ctx.setting });
      return unconstrained(text);
    }
    if (b.t === 'context') return b.ctx.principal ? pinVerdict(a, 'context', env, text) : unconstrained(text);
    if (b.t === 'set') return pinVerdict(a, b.pin, env, text);
    if (b.t === 'other' && b.unverified && isFocusTenantColumn(a, env)) {
      return unknown({ kind: 'unverified', text, detail: b.unverified });
    }
    return unconstrained(text);
  }
  if (a.t === 'context') {
    if (b.t === 'const' && b.value === '') return open({ kind: 'fail-open', text, setting: a.ctx.setting });
    if (b.t === 'const' || b.t === 'context') return gate(a.ctx, text);
    return unconstrained(text);
  }
  if (a.t === 'const' && b.t === 'const') return looseEqual(a.value, b.value) ? alwaysTrue(text) : DENY;
  return unconstrained(text);
}

function nullTest(e: Extract<Expr, { kind: 'null-test' }>, env: Env): Verdict {
  const text = printExpr(e);
  const term = evalTerm(e.arg, env);
  if (term.t === 'context') {
    // `<context> IS NULL` holds exactly when no tenant was chosen (docs/postgres-rls.md#custom-settings)
    return e.isNull ? open({ kind: 'fail-open', text, setting: term.ctx.setting }) : gate(term.ctx, text);
  }
  if (term.t === 'const') return (term.value === null) === e.isNull ? alwaysTrue(text) : DENY;
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
  switch (e.kind) {
    case 'const':
    case 'column':
    case 'param':
    case 'sql-value':
      return booleanTerm(evalTerm(e, env), env, text());
    case 'cast':
      return e.type === 'boolean' ? booleanTerm(evalTerm(e.arg, env), env, text()) : booleanTerm(evalTerm(e, env), env, text());
    case 'and':
      return allOf(e.args.map((a) => classify(a, env)));
    case 'or':
      return anyOf(e.args.map((a) => classify(a, env)));
    case 'not':
      return negate(classify(e.arg, env), text());
    case 'coalesce':
      return anyOf(e.args.map((a) => classify(a, env)));
    case 'op':
      if (e.left && EQUALITY.has(e.op)) return compareTerms(evalTerm(e.left, env), evalTerm(e.right, env), env, text());
      return inequality(e, env, text());
    case 'distinct':
      if (e.negated) return compareTerms(evalTerm(e.left, env), evalTerm(e.right, env), env, text());
      return unconstrained(text());
    case 'op-any':
      if (e.all || !EQUALITY.has(e.op)) return unconstrained(text());
      return compareTerms(evalTerm(e.left, env), evalTerm(e.right, env), env, text());
    case 'in': {
      if (e.negated) return unconstrained(text());
      const left = evalTerm(e.left, env);
      return anyOf(e.list.map((x) => compareTerms(left, evalTerm(x, env), env, text())));
    }
    case 'null-test':
      return nullTest(e, env);
    case 'bool-test':
      return e.test === 'IS_TRUE' ? classify(e.arg, env) : unconstrained(text());
    case 'sublink':
      if (e.link === 'exists') return existsVerdict(e.query, env);
      if (e.link === 'any' && e.test && (e.op === null || EQUALITY.has(e.op))) return inVerdict(e.test, e.query, env);
      return booleanTerm(evalTerm(e, env), env, text());
    case 'call':
      return booleanHelper(e, env);
    default:
      return unconstrained(text());
  }
}

/** `<>`, `<`, LIKE …: never pins a column; on session values alone it is a gate. */
function inequality(e: Extract<Expr, { kind: 'op' }>, env: Env, text: string): Verdict {
  const sides = [e.left ? evalTerm(e.left, env) : null, evalTerm(e.right, env)].filter((t): t is Term => t !== null);
  const ctx = sides.find((s): s is Extract<Term, { t: 'context' }> => s.t === 'context');
  if (ctx && sides.every((s) => s.t === 'context' || s.t === 'const')) return gate(ctx.ctx, text);
  return unconstrained(text);
}
