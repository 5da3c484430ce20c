/**
 * Which planned steps change what the app can do rather than only which
 * tenant's rows it reaches. Those are held back for review — written
 * commented out with the reason — unless `--include <kind>` selects them:
 * a migration teams apply without reading every line must not break a
 * token lookup, an insert path or a deliberate admin path.
 */
import { tableKey, type Policy, type Table } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';
import type { PolicySemantics } from '../../tenancy/effective.js';
import { describeObject, qualifiedObjectName } from '../../sql/object-name.js';
import { displayName } from '../../sql/quote.js';
import { findingTableKey } from './select.js';
import type { HeldKind, MigrationStep, ReviewKind, ReviewStep } from './types.js';

/** Policy names that say the policy is an intended way across tenants. */
const ADMIN_NAME = /(admin|superuser|super_user|bypass|platform|staff|support|internal|service|operator|system)/i;

/**
 * A permissive policy that opens rows of every tenant on purpose: its
 * expression is loose only because of a condition on the session (a role,
 * a claim, an admin lookup, a bypass setting — the analysis' `gate` and
 * `bypass-setting`), or its name says so. A RESTRICTIVE tenant policy is
 * AND-ed with it (docs/postgres-rls.md#permissive-restrictive) and would
 * silently close that path.
 */
export function isDeliberateCrossTenant(table: Table, policy: Policy, policies: PolicySemantics): boolean {
  if (!policy.permissive) return false;
  const clauses = (['using', 'withCheck'] as const).flatMap((which) => policies.clause(table, policy, which) ?? []);
  const loose = clauses.filter((c) => c.verdict.scope === 'open' || c.verdict.scope === 'unknown');
  if (loose.length === 0) return false;
  const gated = loose.every((c) => c.verdict.reasons.length > 0 && c.verdict.reasons.every((r) => r.kind === 'gate' || r.kind === 'bypass-setting'));
  return gated || ADMIN_NAME.test(policy.name);
}

export function restrictiveReason(table: Table, crossTenant: readonly Policy[]): string {
  const names = crossTenant.map((p) => p.name).sort().join(', ');
  return (
    `${displayName(table.schema, table.name)} has ${crossTenant.length === 1 ? 'a permissive policy' : 'permissive policies'} (${names}) that ` +
    `deliberately reach${crossTenant.length === 1 ? 'es' : ''} every tenant's rows (an admin or bypass path); a RESTRICTIVE tenant policy is AND-ed ` +
    'with every permissive one and would close that path. Include it once the path is moved to a role outside the app role, or accepted as gone.'
  );
}

/** The kind and reason of a step that changes behaviour; null for an isolation step. */
export function classifyStep(step: MigrationStep): { kind: ReviewKind; reason: string } | null {
  switch (step.kind) {
    case 'set-not-null':
      return { kind: 'not-null', reason: notNullReason(displayName(step.table.schema, step.table.name), step.column) };
    case 'replace-policy':
      if (step.reasons.includes('policy-to-public')) {
        return {
          kind: 'policy-rewrite',
          reason:
            `recreates ${step.name} on ${displayName(step.table.schema, step.table.name)} TO ${step.roles.join(', ')} instead of PUBLIC: ` +
            'every other role the policy admitted (a worker, a reporting role) loses the rows it reached through it.',
        };
      }
      return null;
    case 'rule-fix':
      return classifyRuleFix(step.finding, step.statements.map((s) => s.sql));
    default:
      return null;
  }
}

function notNullReason(table: string, column: string): string {
  return (
    `NOT NULL on ${table}.${column} fails while rows with NULL ${column} exist, and afterwards rejects every insert ` +
    'that writes none (an audit log or system rows written before a tenant is known). Include it once no code path writes NULL.'
  );
}

function classifyRuleFix(finding: Finding, statements: readonly string[]): { kind: ReviewKind; reason: string } | null {
  const text = statements.join('\n');
  if (finding.rule === 'unique-not-tenant-scoped') {
    return {
      kind: 'unique-scope',
      reason:
        'scoping a UNIQUE key to the tenant lets two tenants hold the same value: a lookup by the value alone (before the tenant is known) ' +
        'may then find several rows. Include it only for values chosen per tenant (a slug, a name), never for tokens, hashes, secrets or external ids.',
    };
  }
  if (finding.rule === 'tenant-column-nullable') {
    const table = finding.object.table ?? finding.object.name;
    return { kind: 'not-null', reason: notNullReason(displayName(finding.object.schema, table), finding.object.name) };
  }
  if (finding.rule === 'materialized-view-exposes-tenant' && /\bDROP\s+MATERIALIZED\s+VIEW\b/i.test(text)) {
    return {
      kind: 'matview-replace',
      reason:
        `replaces the materialized view ${qualifiedObjectName(finding.object)} with a security_invoker view of the same query: its readers keep their own ` +
        'rows, but REFRESH MATERIALIZED VIEW on it then fails (take it out of scheduled jobs) and the rows are computed on every read. ' +
        'Include it once nothing refreshes it, or revoke SELECT from its readers instead.',
    };
  }
  if (/\bALTER\s+ROLE\s+ALL\b/i.test(text)) {
    return {
      kind: 'cluster-setting',
      reason: 'ALTER ROLE ALL without IN DATABASE changes a default every database of the cluster applies, including other apps\' databases.',
    };
  }
  if (/^\s*DROP\s+POLICY\b/im.test(text) || (/^\s*ALTER\s+POLICY\b/im.test(text) && /\bTO\b/.test(text) && finding.rule === 'policy-to-public')) {
    return { kind: 'policy-rewrite', reason: `changes the logic or the roles of an existing policy (${finding.rule}).` };
  }
  return null;
}

/** Whether holding `held` back leaves `finding` unfixed (it is then not claimed). */
export function leftUnfixedBy(held: MigrationStep, finding: Finding): boolean {
  switch (held.kind) {
    case 'rule-fix':
      return held.finding === finding || held.finding.fingerprint === finding.fingerprint;
    case 'set-not-null':
      return finding.rule === 'tenant-column-nullable' && findingTableKey(finding) === tableKey(held.table);
    case 'replace-policy':
      return finding.object.kind === 'policy' && finding.object.name === held.name && findingTableKey(finding) === tableKey(held.table);
    case 'tenant-policy':
      return (
        ['read-not-tenant-scoped', 'write-check-not-tenant-scoped'].includes(finding.rule) && findingTableKey(finding) === tableKey(held.table)
      );
    default:
      return false;
  }
}

/** Splits steps into those written and those held for review; `include` selects kinds to write. */
export function holdForReview(
  steps: readonly MigrationStep[],
  restrictiveHeld: ReadonlyMap<MigrationStep, string>,
  include: readonly ReviewKind[],
): { steps: MigrationStep[]; review: ReviewStep[]; included: ReviewKind[] } {
  const kept: MigrationStep[] = [];
  const review: ReviewStep[] = [];
  const included = new Set<ReviewKind>();
  for (const step of steps) {
    const restrictive = restrictiveHeld.get(step);
    const found = restrictive !== undefined ? { kind: 'restrictive-policy' as const, reason: restrictive } : classifyStep(step);
    if (found === null) kept.push(step);
    else if (include.includes(found.kind)) {
      kept.push(step);
      included.add(found.kind);
    } else review.push({ ...found, step });
  }
  return { steps: kept, review, included: [...included].sort() };
}

/** What a step of each held kind takes away, for the question asked on a terminal (docs/scaffold-migration.md#review-required). */
const KIND_REASONS: Record<ReviewKind, string> = {
  'unique-scope': 'two tenants may then hold the same value, and a lookup by the value alone (before the tenant is known) finds several rows',
  'not-null': 'fails while rows with NULL exist, then rejects every insert that writes none (rows written before a tenant is known)',
  'restrictive-policy': "AND-ed with every permissive policy, it closes the app's deliberate cross-tenant path (an admin or bypass policy)",
  'policy-rewrite': 'every other role the policy admitted loses the rows it reached through it',
  'matview-replace': 'REFRESH MATERIALIZED VIEW on it fails afterwards, and its rows are computed on every read instead of stored',
  'cluster-setting': "changes a default every database of the cluster applies, other apps' included",
};

/** The object a held step changes, as the header and reports name objects. */
function heldObject(step: MigrationStep): string {
  switch (step.kind) {
    case 'set-not-null':
      return `column ${displayName(step.table.schema, step.table.name)}.${displayName(null, step.column)}`;
    case 'replace-policy':
    case 'tenant-policy':
      return `policy ${displayName(step.table.schema, step.table.name)}.${displayName(null, step.name)}`;
    case 'rule-fix':
      return describeObject(step.finding.object);
    default:
      return step.kind;
  }
}

/** The held steps grouped by kind (sorted), with what the kind takes away and the objects it would change. */
export function heldKinds(review: readonly ReviewStep[]): HeldKind[] {
  const kinds = [...new Set(review.map((r) => r.kind))].sort();
  return kinds.map((kind) => ({
    kind,
    reason: KIND_REASONS[kind],
    objects: [...new Set(review.filter((r) => r.kind === kind).map((r) => heldObject(r.step)))].sort(),
  }));
}
