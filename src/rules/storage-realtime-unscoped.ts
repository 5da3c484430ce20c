/**
 * The policies on storage.objects and realtime.messages that filter on
 * something, judged like tenant tables' policies (docs/severity.md): the
 * tenant sits in the object's path or the channel's topic, so a policy that
 * compares that part with the caller's tenants or user is scoped; one that
 * narrows rows only by constants (`bucket_id = 'avatars'`, `extension =
 * 'broadcast'`) lets every signed-in user reach all of them. That is a
 * cross-tenant read only when those rows belong to several tenants, which the
 * schema shows when another policy keys the same bucket (or, for channels,
 * the topics) by tenant or user: then an error; otherwise a warning that says
 * what could not be proven. Policies that admit every row are
 * storage-realtime-open's.
 */
import type { Table } from '../catalog/types.js';
import { decisionOf } from '../policy/verdict.js';
import type { Surface } from '../policy/surface-keys.js';
import type { Command, EffectivePredicate, PolicyTerm } from '../tenancy/effective.js';
import { commandList, describeTerm, policyLabel, policyObjects, roleLabel, tableLabel } from '../tenancy/describe-policy.js';
import {
  admissionOf,
  keyingPolicies,
  opensEveryRow,
  predicatesOf,
  sharedPartition,
  surfaceAccesses,
  surfaceTables,
  type KeyingPolicy,
} from '../tenancy/surfaces.js';
import { defineRule } from './define-rule.js';
import type { Problem, RuleContext } from './types.js';

/** What one side of one command lets through, when it is not scoped. */
type Finding =
  | { kind: 'proven'; culprits: PolicyTerm[]; keyedBy: KeyingPolicy; shared: string[] }
  | { kind: 'doubt'; culprits: PolicyTerm[]; why: string };

const quoteList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

function rowsNoun(surface: Surface, values: readonly string[]): string {
  if (surface.partition === 'bucket_id') return `every object in bucket ${quoteList(values)}`;
  return values.length > 0 ? `the ${quoteList(values)} messages of every channel` : 'the messages of every channel';
}

function judge(predicate: EffectivePredicate, surface: Surface, keying: readonly KeyingPolicy[]): Finding | null {
  const { verdict } = predicate;
  const decision = decisionOf(verdict.scope);
  if (decision === 'scoped') return null;
  const culprits = predicate.culprits;
  if (decision === 'unknown') {
    const details = verdict.reasons.map((r) => (r.kind === 'unverified' ? r.detail : r.text));
    return { kind: 'doubt', culprits, why: [...new Set(details)].join('; ') };
  }
  // permissive policies are OR-ed: each loose one, AND-ed with the restrictive ones, is a way in
  const restrictive = predicate.restrictive.filter((t) => t.analysis !== null);
  const doubts: string[] = [];
  for (const culprit of culprits) {
    const admission = admissionOf([culprit, ...restrictive], surface);
    if (admission.kind === 'unproven') {
      const key = surface.partition === 'bucket_id' ? 'the path or owner of the object' : 'the topic';
      doubts.push(`${admission.conditions.join('; ')} does not tie ${key} to the caller's tenant or user`);
      continue;
    }
    const values = admission.partition ? [...admission.partition] : [];
    const overlapping = keying.filter((k) => k.policy.name !== culprit.policy.name && sharedPartition(admission.partition, k.partition, surface) !== null);
    const byTenant = overlapping.find((k) => !k.perUser);
    if (byTenant) return { kind: 'proven', culprits: [culprit], keyedBy: byTenant, shared: sharedPartition(admission.partition, byTenant.partition, surface)! };
    const byUser = overlapping[0];
    if (byUser) {
      // per-user files beside a bucket-wide read are often shared on purpose (public avatars)
      doubts.push(
        `it admits ${rowsNoun(surface, values)} while ${policyLabel(byUser.policy)} keys them by user, not by tenant, ` +
          `so tenantguard could not prove they are not meant to be shared with every user; if they are private, add that condition`,
      );
      continue;
    }
    const owners = surface.partition === 'bucket_id' ? `objects in bucket ${quoteList(values)} belong to one tenant` : 'those messages belong to one tenant';
    const keyed = surface.partition === 'bucket_id' ? 'no policy keys the objects of that bucket by the tenant or user in their path' : 'no policy keys topics by tenant or user';
    doubts.push(`it admits ${rowsNoun(surface, values)} and ${keyed}, so tenantguard could not prove ${owners}`);
  }
  return { kind: 'doubt', culprits, why: [...new Set(doubts)].join('; ') };
}

interface Collected {
  commands: Command[];
  culprits: Map<string, PolicyTerm>;
  details: string[];
  evidence: KeyingPolicy[];
  shared: Set<string>;
}

function collect(into: Map<string, Collected>, key: string, command: Command, finding: Finding): void {
  const c: Collected = into.get(key) ?? { commands: [], culprits: new Map(), details: [], evidence: [], shared: new Set() };
  if (!c.commands.includes(command)) c.commands.push(command);
  for (const t of finding.culprits) c.culprits.set(describeTerm(t), t);
  if (finding.kind === 'doubt' && !c.details.includes(finding.why)) c.details.push(finding.why);
  if (finding.kind === 'proven') {
    if (!c.evidence.some((e) => e.policy.name === finding.keyedBy.policy.name)) c.evidence.push(finding.keyedBy);
    for (const v of finding.shared) c.shared.add(v);
  }
  into.set(key, c);
}

function problemsFor(ctx: RuleContext, table: Table, surface: Surface): Problem[] {
  const keying = keyingPolicies(ctx.policies, table, surface);
  const proven = new Map<string, Collected>();
  const doubts = new Map<string, Collected>();
  for (const access of surfaceAccesses(ctx.tenancy, ctx.policies, table)) {
    if (opensEveryRow(access)) continue; // storage-realtime-open's
    for (const predicate of predicatesOf(access)) {
      const finding = judge(predicate, surface, keying);
      if (finding) collect(finding.kind === 'proven' ? proven : doubts, access.role, access.command, finding);
    }
  }
  const object = { kind: 'table' as const, schema: table.schema, name: table.name };
  const where = tableLabel(table);
  const problems: Problem[] = [];
  for (const [role, c] of proven) {
    if (doubts.has(role)) doubts.get(role)!.commands = doubts.get(role)!.commands.filter((x) => !c.commands.includes(x));
    const who = roleLabel(role);
    const noun = rowsNoun(surface, [...c.shared]);
    const signedIn = [...c.culprits.values()].some((t) => t.verdict.reasons.some((r) => r.kind === 'gate' && r.signedIn));
    const anyone = signedIn ? 'any signed-in user, whichever tenant they belong to' : 'anyone who reaches the table';
    const keyers = c.evidence.map((e) => policyLabel(e.policy)).join(' and ');
    const held = surface.partition === 'bucket_id' ? 'keeps the objects of the bucket per tenant or user by their path' : 'keys channel topics by tenant or user';
    problems.push({
      object,
      key: `${role}:error`,
      causes: policyObjects(table, [...c.culprits.values()]),
      impact: `${who} can ${commandList(c.commands)} ${noun} in ${where}, across tenants`,
      message:
        `${who} can ${commandList(c.commands)} ${noun} in ${where}, across tenants: ${[...c.culprits.keys()].join('; ')} ` +
        `admits them to ${anyone}, while ${keyers} ${held}, so they belong to several tenants; ` +
        `add the tenant condition of ${keyers} to the policy, or a restrictive policy with it`,
    });
  }
  for (const [role, c] of doubts) {
    if (c.commands.length === 0) continue;
    problems.push({
      object,
      key: `${role}:warning`,
      severity: 'warning',
      message:
        `could not prove that ${roleLabel(role)}'s ${commandList(c.commands)} on ${where} stays within one tenant: ` +
        `${[...c.culprits.keys()].join('; ')} — ${c.details.join('; ')}`,
    });
  }
  return problems;
}

export default defineRule({
  id: 'storage-realtime-unscoped',
  title: 'Storage objects or private channels not keyed by tenant',
  defaultSeverity: 'error',
  description:
    "A policy on storage.objects or realtime.messages narrows rows only by the bucket or the kind of message while other policies show those rows belong to several tenants, so any signed-in user reaches other tenants' files or channels; a filter that cannot be tied to the tenant is a warning.",
  check(ctx) {
    return surfaceTables(ctx.catalog).flatMap(({ table, surface }) => problemsFor(ctx, table, surface));
  },
});
