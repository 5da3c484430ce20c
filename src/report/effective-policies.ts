import type { Finding } from '../check/types.js';
import { tableKey } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { firstReason, describeTerm, roleLabel } from '../tenancy/describe-policy.js';
import { verdictOf, type EffectiveAccess, type EffectivePredicate } from '../tenancy/effective.js';
import type { RuleContext } from '../rules/types.js';
import { printable } from '../printable.js';
import { wrap } from './text-wrap.js';

const EXEMPTION: Record<NonNullable<EffectiveAccess['exemption']>, string> = {
  'rls-disabled': 'row level security is disabled',
  owner: 'owner of the table, and RLS is not forced',
  'member-of-owner': 'member of the owner role, and RLS is not forced',
  superuser: 'superuser',
  bypassrls: 'has BYPASSRLS',
};

/** `permissive: a OR b; restrictive: c AND d`, as Postgres combines them (docs/postgres-rls.md#permissive-restrictive, #with-check-fallback). */
function predicateText(predicate: EffectivePredicate, tenantColumn: string): string {
  if (predicate.permissive.length === 0) return 'no permissive policy: nothing is admitted';
  const parts = [`permissive (OR): ${predicate.permissive.map(describeTerm).join(' OR ')}`];
  if (predicate.restrictive.length > 0) parts.push(`restrictive (AND): ${predicate.restrictive.map(describeTerm).join(' AND ')}`);
  const why = firstReason(predicate.verdict.reasons, tenantColumn);
  return parts.join('; ') + (why ? ` — ${why}` : '');
}

/** Two lines per side, wrapped for an 80-column terminal: the verdict, then the policies behind it. */
function accessLines(access: EffectiveAccess, tenantColumn: string): string[] {
  const lines: string[] = [];
  const side = (label: string, predicate: EffectivePredicate) => {
    lines.push(`    ${access.command} ${label}: ${verdictOf(predicate)}`);
    lines.push(...wrap(predicateText(predicate, tenantColumn), '      '));
  };
  if (access.read) side('rows it reaches', access.read);
  if (access.check) side('rows it may write', access.check);
  return lines;
}

/**
 * `--verbose`: for each table with a finding, what every role that reaches
 * it gets per command — exempt from RLS (and why), or the policies that
 * apply and how they combine, with the analysis verdict.
 */
export function renderEffectivePolicies(ctx: Pick<RuleContext, 'policies' | 'tenancy'>, findings: readonly Finding[]): string {
  const flagged = new Set(
    findings.filter((f) => f.object.schema !== null).map((f) => tableKey({ schema: f.object.schema!, name: f.object.table ?? f.object.name })),
  );
  const byTable = new Map<string, EffectiveAccess[]>();
  for (const access of ctx.policies.effective) {
    const key = tableKey(access.table);
    if (!flagged.has(key)) continue;
    byTable.set(key, [...(byTable.get(key) ?? []), access]);
  }
  if (byTable.size === 0) return '';
  const out = ['', 'Effective row level security on the flagged tables, per role and command:'];
  for (const accesses of byTable.values()) {
    const table = accesses[0]!.table;
    out.push('', displayName(table.schema, table.name));
    const roles = [...new Set(accesses.map((a) => a.role))];
    for (const role of roles) {
      const mine = accesses.filter((a) => a.role === role);
      const exemption = mine[0]!.exemption;
      if (exemption) {
        out.push(...wrap(`${roleLabel(role)}: ${mine.map((a) => a.command).join(', ')} — no policy applies (${EXEMPTION[exemption]})`, '  '));
        continue;
      }
      out.push(`  ${roleLabel(role)}:`);
      for (const access of mine) out.push(...accessLines(access, ctx.tenancy.tenantColumn));
    }
  }
  return `${out.map(printable).join('\n')}\n`;
}
