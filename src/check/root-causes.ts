import type { Severity } from '../config/types.js';
import type { FindingObject } from '../rules/types.js';
import type { Finding, RelatedFinding } from './types.js';

/**
 * One root cause, one finding. A permissive policy whose USING any client can
 * switch off makes several rules fire: the policy's own rule, and on its table
 * read-not-tenant-scoped, write-check-not-tenant-scoped, with-check-missing.
 * Rules stay single-minded and only name the objects that cause their problem
 * (Problem.causes); this stage keeps the finding on the cause and lists the
 * others inside it as `related`, so the reader sees the one thing to fix and
 * everything it opens.
 *
 * - The root of an object is a finding on it marked `rootCause` that names no
 *   other cause: one that names no cause at all is preferred, then the most
 *   severe, then the first. Other findings on the object (a style note on the
 *   same policy) never absorb anything.
 * - A finding folds when each object it names has a root other than itself;
 *   it then appears in each of those roots. Roots never fold, so there are no chains.
 * - A root takes the highest severity among what it explains, so folding
 *   never lowers the exit code, and a root without a fix of its own takes the
 *   first fix among them. Fingerprints are untouched.
 */
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function objectKey(object: FindingObject): string {
  return JSON.stringify([object.kind, object.schema, object.table ?? null, object.name]);
}

function namesOnlyItself(finding: Finding): boolean {
  const own = objectKey(finding.object);
  return (finding.causes ?? []).every((cause) => objectKey(cause) === own);
}

function preferred(candidate: Finding, current: Finding): boolean {
  const bare = (f: Finding) => (f.causes === undefined || f.causes.length === 0 ? 1 : 0);
  if (bare(candidate) !== bare(current)) return bare(candidate) > bare(current);
  return RANK[candidate.severity] > RANK[current.severity];
}

function related(finding: Finding): RelatedFinding {
  return {
    rule: finding.rule,
    severity: finding.severity,
    object: finding.object,
    message: finding.message,
    ...(finding.impact ? { impact: finding.impact } : {}),
    fingerprint: finding.fingerprint,
    ...(finding.location ? { location: finding.location } : {}),
  };
}

/** Folds consequences into their root-cause findings. Pure; keeps the order of the findings that remain. */
export function collapseRootCauses(findings: readonly Finding[]): Finding[] {
  const roots = new Map<string, Finding>();
  for (const finding of findings) {
    if (!finding.rootCause || !namesOnlyItself(finding)) continue;
    const key = objectKey(finding.object);
    const current = roots.get(key);
    if (current === undefined || preferred(finding, current)) roots.set(key, finding);
  }
  const explained = new Map<Finding, Finding[]>();
  const folded = new Set<Finding>();
  for (const finding of findings) {
    if (!finding.causes || finding.causes.length === 0) continue;
    const targets = [...new Set(finding.causes.map((cause) => roots.get(objectKey(cause))))];
    if (targets.some((target) => target === undefined || target === finding)) continue;
    folded.add(finding);
    for (const target of targets as Finding[]) explained.set(target, [...(explained.get(target) ?? []), finding]);
  }
  return findings
    .filter((finding) => !folded.has(finding))
    .map((original) => {
      const { causes: _causes, impact: _impact, rootCause: _rootCause, ...finding } = original;
      const consequences = explained.get(original) ?? [];
      if (consequences.length === 0) return finding;
      const severity = consequences.reduce<Severity>((s, c) => (RANK[c.severity] > RANK[s] ? c.severity : s), finding.severity);
      // a root without SQL of its own (a policy rule) offers the fix of what it opens
      const fix = finding.fix ?? consequences.find((c) => c.fix !== null)?.fix ?? null;
      return { ...finding, severity, fix, related: [...(finding.related ?? []), ...consequences.map(related)] };
    });
}
