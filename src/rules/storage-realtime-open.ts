/**
 * Supabase keeps files in storage.objects and private broadcast channels in
 * realtime.messages: both live outside the app's schemas but hold per-tenant
 * data (a tenant's files; the right to join a channel, including ones that
 * broadcast tenant rows from triggers). Their policies decide access exactly
 * like any table's (docs/postgres-rls.md#permissive-restrictive), so a
 * permissive policy that admits every row — `true`, or only "the user is
 * signed in" — with no restrictive policy bounding it opens every tenant's
 * objects to whoever reaches the table. Policies that filter on the bucket,
 * the path or the topic are storage-realtime-unscoped's to judge.
 */
import type { Table } from '../catalog/types.js';
import type { Command, PolicyTerm } from '../tenancy/effective.js';
import { commandList, describeTerm, policyObjects, roleLabel, tableLabel } from '../tenancy/describe-policy.js';
import { openingTerms, opensEveryRow, predicatesOf, surfaceAccesses, surfaceTables } from '../tenancy/surfaces.js';
import { defineRule } from './define-rule.js';
import type { Problem, RuleContext } from './types.js';

const WHAT: Record<string, string> = {
  storage: "every tenant's files",
  realtime: 'every private channel, including ones that broadcast tenant rows',
};

function problemsFor(ctx: RuleContext, table: Table): Problem[] {
  const problems: Problem[] = [];
  type Opening = { commands: Command[]; culprits: Map<string, PolicyTerm> };
  const byRole = new Map<string, Opening>();
  for (const access of surfaceAccesses(ctx.tenancy, ctx.policies, table)) {
    if (!opensEveryRow(access)) continue;
    const entry: Opening = byRole.get(access.role) ?? { commands: [], culprits: new Map() };
    entry.commands.push(access.command);
    for (const t of predicatesOf(access).flatMap(openingTerms)) entry.culprits.set(describeTerm(t), t);
    byRole.set(access.role, entry);
  }
  const what = WHAT[table.schema]!;
  for (const [role, { commands, culprits }] of byRole) {
    const who = roleLabel(role);
    const list = commandList(commands);
    const signedIn = [...culprits.values()].some((t) => t.verdict.reasons.some((r) => r.kind === 'gate'));
    const anyone = signedIn ? 'any signed-in user, whichever tenant they belong to' : 'anyone who reaches the table';
    problems.push({
      object: { kind: 'table', schema: table.schema, name: table.name },
      key: role,
      causes: policyObjects(table, [...culprits.values()]),
      impact: `${who} can ${list} ${what} in ${tableLabel(table)}`,
      message:
        `${who} can ${list} ${what} in ${tableLabel(table)}: ${[...culprits.keys()].join('; ')} ` +
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
    return surfaceTables(ctx.catalog).flatMap(({ table }) => problemsFor(ctx, table));
  },
});
