/**
 * Comparisons between evaluated terms: `organization_id = <the session's
 * tenant>` pins the row, `organization_id = organization_id` is a tautology,
 * `<setting> = 'true'` is a gate on the session alone. Pure: the terms are
 * already evaluated, so nothing here recurses into the analysis.
 */
import type { Env, SetPin } from './env.js';
import { roleClaimEquals } from './signed-in.js';
import type { ContextValue, Term } from './terms.js';
import { DENY, open, owner, TENANT, unknown, type Verdict } from './verdict.js';

export function alwaysTrue(text: string): Verdict {
  return open({ kind: 'always-true', text }, true);
}

export function unconstrained(text: string): Verdict {
  return open({ kind: 'unconstrained', text });
}

/** A condition on the session alone: a bypass when it is a custom setting any role can SET (docs/postgres-rls.md#custom-settings). */
export function gate(ctx: ContextValue, text: string): Verdict {
  if (ctx.source === 'setting' && ctx.setting?.includes('.')) return open({ kind: 'bypass-setting', text, setting: ctx.setting });
  return open({ kind: 'gate', text });
}

export function isFocusTenantColumn(term: Term, env: Env): boolean {
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

/** The row is pinned to the signed-in user's own id, not to a tenant. */
function byUser(v: Verdict): Verdict {
  return v.scope === 'owner' ? { ...v, reasons: v.reasons.map((r) => (r.kind === 'owner' ? { ...r, user: true } : r)) } : v;
}

const SECRET_NAME = /(^|_)(token|secret|code|hash)($|_)/i;
const SECRET_TYPES = new Set(['text', 'uuid', 'bytea', 'varchar', 'bpchar']);

/**
 * A column that holds a bearer secret: named like one (`token`, `invite_code`,
 * `secret_hash`), of a type that can hold an unguessable value, and unique on
 * its own — a row found by it is the row of whoever was handed the secret.
 */
export function isBearerSecret(term: Extract<Term, { t: 'column' }>): boolean {
  const table = term.entry.table;
  if (!table || !SECRET_NAME.test(term.column)) return false;
  const type = table.columns.find((c) => c.name === term.column)?.typeName ?? '';
  if (!SECRET_TYPES.has(type)) return false;
  return table.indexes.some((i) => i.unique && !i.partial && i.columns.length === 1 && i.columns[0] === term.column);
}

function looseEqual(a: unknown, b: unknown): boolean {
  return String(a) === String(b);
}

const TERM_ORDER: Record<Term['t'], number> = { column: 0, 'coalesce-column': 1, set: 2, keyed: 3, context: 4, const: 5, other: 6 };

/**
 * A condition that holds only where the caller has a claim under the row's key
 * (`<claims> ->> organization_id::text IS NOT NULL`, `= 'admin'`): the key is
 * one of the caller's, which pins it like a membership does.
 */
export function keyedVerdict(term: Extract<Term, { t: 'keyed' }>, env: Env, text: string): Verdict {
  const key = term.key;
  if (key.t === 'column') return pinVerdict(key, 'context', env, text);
  if (key.t === 'other' && key.unverified) return unknown({ kind: 'unverified', text, detail: key.unverified });
  return unconstrained(text);
}

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
    if (b.t === 'context') {
      if (!b.ctx.principal) return unconstrained(text);
      const pinned = pinVerdict(a, 'context', env, text);
      return b.ctx.claim === 'uid' || b.ctx.claim === 'email' ? byUser(pinned) : pinned;
    }
    if (b.t === 'set') return pinVerdict(a, b.pin, env, text);
    if (b.t === 'other' && b.unverified && isFocusTenantColumn(a, env)) {
      return unknown({ kind: 'unverified', text, detail: b.unverified });
    }
    // found by a secret the caller presents (an invitation token): the row of its bearer, like an owner's
    if (b.t === 'other' && a.entry === env.focus && isBearerSecret(a)) return owner({ kind: 'owner', text, column: a.column });
    return unconstrained(text);
  }
  if (a.t === 'keyed') {
    // equal to a value only where the claim exists, unless COALESCE supplies that value for a missing claim
    if ((b.t === 'const' && b.value !== null && (a.fallback === null || !looseEqual(a.fallback, b.value))) || b.t === 'context') {
      return keyedVerdict(a, env, text);
    }
    return unconstrained(text);
  }
  if (a.t === 'context') {
    if (b.t === 'const' && b.value === '') return open({ kind: 'fail-open', text, setting: a.ctx.setting });
    if (b.t === 'const') return roleClaimEquals(a.ctx, b.value, env, text) ?? gate(a.ctx, text);
    if (b.t === 'context') return gate(a.ctx, text);
    return unconstrained(text);
  }
  if (a.t === 'const' && b.t === 'const') return looseEqual(a.value, b.value) ? alwaysTrue(text) : DENY;
  return unconstrained(text);
}
