/**
 * Helper functions in policies (`has_role_on_account(account_id)`,
 * `team_id IN (SELECT get_teams_for_user())`, `current_org_id()`): their
 * SQL or PL/pgSQL body is parsed and analysed with the arguments bound to
 * the caller's values. A SECURITY DEFINER body runs as its owner, so the RLS
 * of the tables it reads is judged for the owner, not the caller. Bodies
 * are judged through `env.evaluator`, like the policy that calls them.
 */
import type { RoutineInfo } from '../catalog/types.js';
import type { Env, SetPin } from './env.js';
import { parseBody, type ParsedBody } from './function-body.js';
import type { Expr } from './model.js';
import { printExpr } from './print.js';
import { surfaceOf } from './surface-keys.js';
import type { Term } from './terms.js';
import { anyOf, open, unknown, type Verdict } from './verdict.js';

const MAX_DEPTH = 6;

/** A function's parsed body, read once per analysis. */
function bodyOf(fn: RoutineInfo, env: Env): ParsedBody {
  let body = env.lookup.bodies.get(fn);
  if (!body) {
    body = parseBody(fn, env.lookup.parser);
    env.lookup.bodies.set(fn, body);
  }
  return body;
}

function signature(t: Term, env: Env): string {
  switch (t.t) {
    case 'column':
      return `c:${t.entry === env.focus ? 'focus' : 'other'}:${t.entry.table?.oid ?? t.entry.alias}:${t.column}:${t.cast ?? ''}`;
    case 'context':
      return `x:${t.ctx.source}:${t.ctx.setting ?? ''}:${t.ctx.principal}`;
    case 'const':
      return `k:${JSON.stringify(t.value)}`;
    case 'set':
      return `s:${t.pin}`;
    default:
      return 'o';
  }
}

interface Prepared {
  fn: RoutineInfo;
  body: ParsedBody;
  env: Env;
  key: string;
}

function prepare(fn: RoutineInfo, call: Extract<Expr, { kind: 'call' }>, env: Env, purpose: string): Prepared | string {
  const id = `${fn.schema}.${fn.name}(${fn.identityArguments})`;
  if (env.callChain.includes(id) || env.callChain.length >= MAX_DEPTH) return `${fn.schema}.${fn.name}() calls itself`;
  const body = bodyOf(fn, env);
  if (body.problem) return `${fn.schema}.${fn.name}() could not be analysed: ${body.problem}`;
  const args = call.args.map((a) => env.evaluator.term(a, env));
  // arguments left out take their DEFAULT, evaluated where the call is
  for (let i = args.length; i < body.paramNames.length; i++) {
    const fallback = body.paramDefaults[i];
    args.push(fallback ? env.evaluator.term(fallback, env) : { t: 'other', text: body.paramNames[i] ?? `$${i + 1}`, unverified: null });
  }
  const role = fn.securityDefiner ? fn.owner : env.role;
  const nearSchema = fn.searchPath?.split(',')[0]?.trim().replace(/^"|"$/g, '') || fn.schema;
  const key = `${purpose}|${fn.oid}|${role}|${env.caller}|${env.focus.table?.oid ?? ''}|${args.map((a) => signature(a, env)).join(',')}`;
  return {
    fn,
    body,
    key,
    env: {
      lookup: env.lookup,
      evaluator: env.evaluator,
      frames: [[]],
      focus: env.focus,
      params: { functionName: fn.name, names: body.paramNames, values: args, columnsFirst: fn.language === 'sql' },
      role,
      caller: env.caller,
      inSubquery: true,
      notes: null,
      callChain: [...env.callChain, id],
      functionHints: [],
      nearSchema,
    },
  };
}

/** Memoised per function, argument shape and role; replays the role-dependence flag on a hit. */
function memo<T>(env: Env, key: string, compute: () => T): T {
  const cache = env.lookup.cache as Map<string, { value: T; consulted: boolean }>;
  const hit = cache.get(key);
  if (hit) {
    if (hit.consulted) env.lookup.consulted.value = true;
    return hit.value;
  }
  const saved = env.lookup.consulted.value;
  env.lookup.consulted.value = false;
  const value = compute();
  const consulted = env.lookup.consulted.value;
  env.lookup.consulted.value = saved || consulted;
  cache.set(key, { value, consulted });
  return value;
}

/** A helper call used as a condition: `has_role_on_account(account_id)`, `is_org_member(organization_id)`. */
export function booleanHelper(call: Extract<Expr, { kind: 'call' }>, env: Env): Verdict {
  const text = printExpr(call);
  const fn = env.lookup.func(call.name, call.args.length, env.functionHints);
  if (!fn) {
    const args = call.args.map((a) => env.evaluator.term(a, env));
    // the tenant column, or on storage and channel rows the path or topic that carries the tenant
    const keyed = (a: Term) => a.t === 'column' && a.entry === env.focus && (a.column === a.entry.tenantColumn || surfaceOf(env.focus.table) !== null);
    if (args.some(keyed)) {
      return unknown({ kind: 'unverified', text, detail: `${call.name.join('.')}() is not in the audited schemas` });
    }
    return open({ kind: args.some((a) => a.t === 'column') ? 'unconstrained' : 'gate', text });
  }
  const prepared = prepare(fn, call, env, 'bool');
  if (typeof prepared === 'string') return unknown({ kind: 'unverified', text, detail: prepared });
  return memo(env, prepared.key, () => {
    const { body, env: inner } = prepared;
    const parts = [
      ...body.returns.map((r) => inner.evaluator.classify(r.conditions.length > 0 ? { kind: 'and', args: [...r.conditions, r.expr] } : r.expr, inner)),
      ...body.queries.map((q) => inner.evaluator.exists(q, inner)),
    ];
    return anyOf(parts);
  });
}

function combinePins(pins: (SetPin | null)[]): SetPin | null {
  if (pins.length === 0 || pins.some((p) => p === null)) return null;
  return pins.every((p) => p === pins[0]) ? pins[0]! : 'owner';
}

/**
 * A helper call used as a value: the session's tenant/user (`current_org_id()`),
 * a set pinned to the session (`get_teams_for_user()`), or null when its body
 * cannot be analysed.
 */
export function valueHelper(fn: RoutineInfo, call: Extract<Expr, { kind: 'call' }>, env: Env): Term | null {
  const prepared = prepare(fn, call, env, 'value');
  if (typeof prepared === 'string') return null;
  const text = printExpr(call);
  return memo(env, prepared.key, (): Term => {
    const { body, env: inner } = prepared;
    const values = body.returns.map((r) => inner.evaluator.term(r.expr, inner));
    const first = values[0];
    if (body.queries.length === 0 && first?.t === 'context' && values.every((v) => v.t === 'context')) {
      return { t: 'context', ctx: { ...first.ctx, text } };
    }
    // `org_of(name)` returning a part of the object's path: the tenant key of a storage or channel row
    if (body.queries.length === 0 && first?.t === 'column' && surfaceOf(env.focus.table) !== null && first.entry === env.focus) {
      if (values.every((v) => v.t === 'column' && v.entry === first.entry && v.column === first.column)) return { ...first, cast: null, text };
    }
    const pins = [
      ...values.map((v) => (v.t === 'set' ? v.pin : v.t === 'context' && v.ctx.principal ? 'context' : null)),
      ...body.queries.map((q) => inner.evaluator.setPin(q, inner)),
    ];
    const pin = combinePins(pins);
    return pin ? { t: 'set', pin, text } : { t: 'other', text, unverified: null };
  });
}

/** A set-returning helper in FROM or in `IN (SELECT helper())`. */
export function setHelperPin(call: Extract<Expr, { kind: 'call' }>, env: Env): SetPin | null {
  const fn = env.lookup.func(call.name, call.args.length, env.functionHints);
  if (!fn) return null;
  const value = valueHelper(fn, call, env);
  if (value?.t === 'set') return value.pin;
  if (value?.t === 'context') return value.ctx.principal ? 'context' : null;
  return null;
}
