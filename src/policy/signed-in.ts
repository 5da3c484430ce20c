/**
 * Checks on who the caller is that say nothing about which rows: "a user is
 * signed in" (`auth.uid() IS NOT NULL`, `auth.email() IS NOT NULL`) and "the
 * request runs as this API role" (`auth.role() = 'authenticated'`). PostgREST
 * runs each request as the role its token names, so `auth.role()` is that
 * role, and the anonymous role's token carries no user id: for the role being
 * judged such a check either admits every row or none. The answer depends on
 * the role, so the clause is marked role-dependent and judged per role.
 */
import type { Env } from './env.js';
import type { ContextValue } from './terms.js';
import { DENY, open, type Verdict } from './verdict.js';

function signedIn(text: string): Verdict {
  return open({ kind: 'gate', text, signedIn: true });
}

/** `<claim> IS NOT NULL`; null when the value is no claim of the token. */
export function claimPresent(ctx: ContextValue, env: Env, text: string): Verdict | null {
  if (ctx.claim === 'jwt') return signedIn(text); // the anonymous role's token is a token too
  if (ctx.claim !== 'uid' && ctx.claim !== 'email') return null;
  env.lookup.consulted.value = true;
  return env.caller !== null && env.caller === env.lookup.apiRoles.anon ? DENY : signedIn(text);
}

/** `auth.role() = '<role>'`; null when the value is not the token's role or the constant no role name. */
export function roleClaimEquals(ctx: ContextValue, value: unknown, env: Env, text: string): Verdict | null {
  if (ctx.claim !== 'role' || typeof value !== 'string') return null;
  env.lookup.consulted.value = true;
  if (env.caller !== null && env.caller !== value) return DENY;
  // a platform's own role is no signed-in user: a gate for its servers, not an opening to every user
  return env.lookup.apiRoles.platform.has(value) ? open({ kind: 'gate', text }) : signedIn(text);
}
