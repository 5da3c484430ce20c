/**
 * Supabase keeps files in storage.objects and private broadcast channels in
 * realtime.messages: both live outside the app's schemas but hold per-tenant
 * data (a tenant's files; the right to join a channel, including ones that
 * broadcast tenant rows from triggers). Their policies decide access exactly
 * like any table's (docs/postgres-rls.md#permissive-restrictive), so a
 * permissive policy that admits every row — `true`, or only "the user is
 * signed in" — with no restrictive policy bounding it opens every tenant's
 * objects to whoever reaches the table. A policy filtering on bucket_id,
 * topic, the object's name or calling a helper is not judged here: those are
 * the scoping keys, and whether they embed the tenant is the app's convention.
 */
import type { Table } from '../catalog/types.js';
import type { Reason } from '../policy/verdict.js';
import { COMMANDS, type Command, type EffectivePredicate, type PolicyTerm } from '../tenancy/effective.js';
import { clauseText, commandList, describeTerm, policyObjects, roleLabel, tableLabel } from '../tenancy/describe-policy.js';
import { reachingRoles, tablePrivileges } from '../tenancy/roles.js';
import { defineRule } from './define-rule.js';
import type { Problem, RuleContext } from './types.js';

const SURFACES: Record<string, string> = {
  'storage.objects': "every tenant's files",
  'realtime.messages': "every private channel, including ones that broadcast tenant rows",
};

/** `auth.uid() IS NOT NULL`, `auth.role() = 'authenticated'`: true for any signed-in user of any tenant. */
const SIGNED_IN = [
  /^\(?\s*(select\s+)?auth\.(uid|jwt)\(\)\s*\)?\s+is\s+not\s+null$/i,
  /^\(?\s*(select\s+)?auth\.role\(\)\s*\)?(::text)?\s*=\s*'authenticated'(::text)?$/i,
  /^'authenticated'(::text)?\s*=\s*\(?\s*(select\s+)?auth\.role\(\)\s*\)?(::text)?$/i,
];

function unrestricting(reason: Reason): boolean {
  if (reason.kind === 'always-true') return true;
  const text = clauseText(reason.text).replace(/\s+/g, ' ');
  return reason.kind === 'gate' && SIGNED_IN.some((re) => re.test(text));
}

function admitsEveryRow(term: PolicyTerm): boolean {
  return term.verdict.scope === 'open' && term.verdict.reasons.length > 0 && term.verdict.reasons.every(unrestricting);
}

/**
 * The permissive policies that admit every row (up to a signed-in check) when no restrictive policy
 * narrows them (permissive OR-ed, restrictive AND-ed); empty when the side is bounded in any way.
 */
function openingTerms(predicate: EffectivePredicate): PolicyTerm[] {
  // a restrictive policy without an expression for this side restricts nothing
  if (!predicate.restrictive.every((t) => t.analysis === null || admitsEveryRow(t))) return [];
  return predicate.permissive.filter(admitsEveryRow);
}

function problemsFor(ctx: RuleContext, table: Table, what: string): Problem[] {
  const problems: Problem[] = [];
  for (const role of reachingRoles(ctx.tenancy, table)) {
    if (!ctx.policies.appFacing(role)) continue;
    const held = new Set(tablePrivileges(ctx.tenancy.roles, role, table));
    const open: Command[] = [];
    const culprits = new Map<string, PolicyTerm>();
    for (const command of COMMANDS) {
      if (!held.has(command)) continue;
      const access = ctx.policies.accessOf(table, role, command);
      // RLS off or an exemption is rls-disabled's and role-bypasses-rls's finding; here only policies
      if (access.exemption !== null) continue;
      const sides = [access.read, access.check].filter((p): p is EffectivePredicate => p !== null);
      const opening = sides.map(openingTerms);
      // UPDATE is open only when both the rows it reaches and the rows it may write are
      if (sides.length === 0 || opening.some((terms) => terms.length === 0)) continue;
      open.push(command);
      for (const t of opening.flat()) culprits.set(describeTerm(t), t);
    }
    if (open.length === 0) continue;
    const who = roleLabel(role);
    const commands = commandList(open);
    const signedIn = [...culprits.values()].some((t) => t.verdict.reasons.some((r) => r.kind === 'gate'));
    const anyone = signedIn ? 'any signed-in user, whichever tenant they belong to' : 'anyone who reaches the table';
    problems.push({
      object: { kind: 'table', schema: table.schema, name: table.name },
      key: role,
      causes: policyObjects(table, [...culprits.values()]),
      impact: `${who} can ${commands} ${what} in ${tableLabel(table)}`,
      message:
        `${who} can ${commands} ${what} in ${tableLabel(table)}: ${[...culprits.keys()].join('; ')} ` +
        `admits every row to ${anyone}, and no restrictive policy narrows it; ` +
        `filter on the ${table.schema === 'storage' ? 'bucket_id or the object name' : 'topic'} carrying the tenant id, or a membership helper`,
    });
  }
  return problems;
}

export default defineRule({
  id: 'storage-realtime-open',
  title: 'Storage objects or private channels open to every user',
  defaultSeverity: 'error',
  description:
    "A permissive policy on storage.objects or realtime.messages admits every row (true, or only a signed-in check) with no restrictive policy bounding it, so any user reads or writes every tenant's files or joins every private channel.",
  check(ctx) {
    const problems: Problem[] = [];
    for (const table of ctx.catalog.tables) {
      const what = SURFACES[`${table.schema}.${table.name}`];
      if (what !== undefined) problems.push(...problemsFor(ctx, table, what));
    }
    return problems;
  },
});
