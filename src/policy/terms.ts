/**
 * The value side of a comparison: is it a column of some table, the
 * session's tenant/user context, a constant, or a set of values pinned to the
 * session (a membership subquery, a set-returning helper)? Helper bodies and
 * subqueries are judged through `env.evaluator`.
 */
import { resolveColumn, type Env, type RangeEntry, type SetPin } from './env.js';
import type { Expr } from './model.js';
import { printExpr } from './print.js';
import { derivedKey } from './surface-keys.js';

export interface ContextValue {
  /** setting: current_setting(); auth: Supabase auth.*(); role: current_user and friends. */
  source: 'setting' | 'auth' | 'role';
  /** The setting read, for current_setting() (directly or through a helper). */
  setting: string | null;
  /** Identifies the session's tenant or user; false for role-name values such as auth.role(). */
  principal: boolean;
  /**
   * Which claim of the request's token a Supabase auth helper reads: the user id (`auth.uid()`,
   * `auth.jwt() ->> 'sub'`), the email, the role, or the whole token; null for other context values.
   */
  claim: AuthClaim | null;
  text: string;
}

export type AuthClaim = 'uid' | 'email' | 'role' | 'jwt';
const CLAIM_KEYS: Record<string, AuthClaim> = { sub: 'uid', email: 'email', role: 'role' };

export type Term =
  | { t: 'column'; entry: RangeEntry; column: string; cast: string | null; text: string }
  | { t: 'context'; ctx: ContextValue }
  | { t: 'const'; value: string | number | boolean | null }
  /** COALESCE(<context>, <column>): the column itself when the context is unset (fail-open). */
  | { t: 'coalesce-column'; ctx: ContextValue; entry: RangeEntry; column: string; text: string }
  | { t: 'set'; pin: SetPin; text: string }
  /**
   * The caller's claim under a key taken from the row (`auth.jwt() -> 'orgs' ->> organization_id::text`):
   * NULL unless the key is one of the caller's own, so a non-NULL value pins the key. `fallback` is
   * the value COALESCE puts in place of NULL.
   */
  | { t: 'keyed'; ctx: ContextValue; key: Term; fallback: string | number | boolean | null; text: string }
  /** Anything else; `unverified` says why a helper involved could not be read. */
  | { t: 'other'; text: string; unverified: string | null };

const PASS_THROUGH = new Set(['unnest', 'array_agg', 'btrim', 'trim', 'lower', 'upper']);
const JSON_ACCESS = new Set(['->>', '->', '#>>', '#>']);
const AUTH_PRINCIPAL = new Set(['uid', 'jwt', 'email']);

function other(e: Expr, unverified: string | null = null): Term {
  return { t: 'other', text: printExpr(e), unverified };
}

function context(env: Env, ctx: ContextValue): Term {
  // outside any subquery the call is evaluated once per row (docs/postgres-rls.md#initplan)
  if (!env.inSubquery && env.notes && !env.notes.unwrapped.includes(ctx.text)) env.notes.unwrapped.push(ctx.text);
  return { t: 'context', ctx };
}

function callTerm(e: Extract<Expr, { kind: 'call' }>, env: Env): Term {
  const fname = e.name[e.name.length - 1]!.toLowerCase();
  const schema = e.name.length > 1 ? e.name[e.name.length - 2]! : null;
  const text = printExpr(e);
  if (fname === 'current_setting' && (schema === null || schema === 'pg_catalog')) {
    const first = e.args[0] ? evalTerm(e.args[0], env) : null;
    const setting = first?.t === 'const' && typeof first.value === 'string' ? first.value : null;
    if (setting && env.notes && !env.notes.settings.includes(setting)) env.notes.settings.push(setting);
    return context(env, { source: 'setting', setting, principal: true, claim: null, text });
  }
  if (schema === 'auth' && (AUTH_PRINCIPAL.has(fname) || fname === 'role')) {
    return context(env, { source: 'auth', setting: null, principal: fname !== 'role', claim: fname as AuthClaim, text });
  }
  if (PASS_THROUGH.has(fname) && e.args.length === 1 && schema === null) return evalTerm(e.args[0]!, env);
  const fn = env.lookup.func(e.name, e.args.length, env.functionHints);
  if (fn) {
    const value = env.evaluator.valueHelper(fn, e, env);
    if (value?.t === 'context') return context(env, { ...value.ctx, text });
    return value ?? other(e, `${fn.schema}.${fn.name}() could not be analysed`);
  }
  // A built-in applied only to session values (string_to_array(current_setting(…), ',')) is still session context.
  const args = e.args.map((a) => evalTerm(a, env));
  const ctx = args.find((a): a is Extract<Term, { t: 'context' }> => a.t === 'context');
  if (ctx && args.every((a) => a.t === 'context' || a.t === 'const')) return { t: 'context', ctx: { ...ctx.ctx, text } };
  return other(e);
}

function scalarSubquery(e: Extract<Expr, { kind: 'sublink' }>, env: Env): Term {
  const q = e.query;
  if (!q.setOp && q.from.length === 0 && q.where === null && q.targets.length === 1) {
    // (SELECT <context>): an InitPlan, evaluated once per statement
    return evalTerm(q.targets[0]!, { ...env, frames: [...env.frames, []], inSubquery: true });
  }
  const pin = env.evaluator.setPin(q, env);
  return pin ? { t: 'set', pin, text: printExpr(e) } : other(e);
}

export function evalTerm(e: Expr, env: Env): Term {
  switch (e.kind) {
    case 'const':
      return { t: 'const', value: e.value };
    case 'column': {
      const r = resolveColumn(env, e.fields);
      if (r.kind === 'param') return r.value;
      if (r.kind === 'column') return { t: 'column', entry: r.entry, column: r.column, cast: null, text: printExpr(e) };
      return other(e);
    }
    case 'param':
      return env.params?.values[e.number - 1] ?? other(e);
    case 'cast': {
      const inner = evalTerm(e.arg, env);
      if (inner.t === 'column') return { ...inner, cast: inner.cast ?? e.type, text: printExpr(e) };
      return inner;
    }
    case 'nullif': {
      // NULLIF(<context>, '') is the fail-closed form of the context (docs/postgres-rls.md#empty-context)
      const inner = evalTerm(e.left, env);
      return inner.t === 'context' ? inner : other(e);
    }
    case 'coalesce': {
      const [first, ...rest] = e.args.map((a) => evalTerm(a, env));
      if (first?.t === 'keyed' && rest.length === 1 && rest[0]!.t === 'const') return { ...first, fallback: rest[0]!.value, text: printExpr(e) };
      if (first?.t !== 'context') return first && rest.length === 0 ? first : other(e);
      const column = rest.find((r): r is Extract<Term, { t: 'column' }> => r.t === 'column');
      if (column) return { t: 'coalesce-column', ctx: first.ctx, entry: column.entry, column: column.column, text: printExpr(e) };
      return rest.every((r) => r.t === 'const' || r.t === 'context') ? first : other(e);
    }
    case 'call':
      return derivedKey(e, env) ?? callTerm(e, env);
    case 'sql-value':
      return context(env, { source: 'role', setting: null, principal: true, claim: null, text: e.name });
    case 'op': {
      if (e.op === '||') return derivedKey(e, env) ?? other(e);
      if (e.left && JSON_ACCESS.has(e.op)) {
        const inner = evalTerm(e.left, env);
        if (inner.t === 'keyed') return { ...inner, text: printExpr(e) };
        if (inner.t !== 'context') return other(e);
        // a fixed path into the caller's claims is still the caller's context; a key from the row looks the row up in them
        const key = evalTerm(e.right, env);
        // auth.jwt() ->> 'sub' is auth.uid(): a claim the signed-in checks know
        const claim = inner.ctx.claim === 'jwt' && e.op === '->>' && key.t === 'const' ? CLAIM_KEYS[String(key.value)] : undefined;
        if (claim) return { t: 'context', ctx: { ...inner.ctx, claim, principal: claim !== 'role', text: printExpr(e) } };
        if (key.t === 'const' || key.t === 'context') return inner;
        return { t: 'keyed', ctx: inner.ctx, key, fallback: null, text: printExpr(e) };
      }
      return other(e);
    }
    case 'sublink':
      if (e.link === 'expr' || e.link === 'array') return scalarSubquery(e, env);
      return other(e);
    case 'array': {
      const items = e.elements.map((x) => evalTerm(x, env));
      const first = items[0];
      return first?.t === 'context' && items.every((i) => i.t === 'context') ? first : other(e);
    }
    default:
      return derivedKey(e, env) ?? other(e);
  }
}
