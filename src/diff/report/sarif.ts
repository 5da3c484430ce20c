import type { Severity } from '../../config/types.js';
import type { AccessChange, ChangeClass } from '../compare.js';
import type { DiffResult } from '../index.js';
import { LEVEL, physicalLocation, sarifLog, SECURITY_SEVERITY, TAGS } from '../../report/sarif-log.js';
import type { DiffReportOptions } from './options.js';
import { changeSentence, objectText, shownChanges } from './shown.js';

/** One SARIF rule per kind of change: `access-widened`, … */
const RULES: { cls: ChangeClass; severity: Severity; title: string; description: string }[] = [
  { cls: 'widened', severity: 'error', title: 'Access widened across tenants', description: "A role can now reach another tenant's rows, or a write check no longer pins the tenant." },
  { cls: 'unknown', severity: 'warning', title: 'Access change the analysis cannot decide', description: 'The change involves an expression or function the analysis cannot read: review whether the tenant is still pinned.' },
  { cls: 'narrowed', severity: 'warning', title: 'Access narrowed', description: 'A role loses access it had; the application may rely on it.' },
  { cls: 'added', severity: 'info', title: 'Access added within the tenant', description: "A role gains access that stays within its own tenant's rows." },
  { cls: 'equivalent', severity: 'info', title: 'Policies changed, access did not', description: 'Policy text or the route changed; who reaches which rows is the same.' },
];

function result(change: AccessChange, anchor: string | null | undefined) {
  const at = change.location ?? (anchor ? { file: anchor, line: 1 } : null);
  const index = RULES.findIndex((r) => r.cls === change.class);
  const proof = change.proof ? `\nProbe: ${change.proof.status}: ${change.proof.detail}` : '';
  return {
    ruleId: `access-${change.class}`,
    ruleIndex: index,
    level: LEVEL[change.severity],
    kind: 'fail',
    message: { text: `${objectText(change)}: ${changeSentence(change)}${proof}` },
    locations: [
      {
        ...physicalLocation(at),
        logicalLocations: [{ name: change.object.name, fullyQualifiedName: change.object.schema === null ? change.object.name : `${change.object.schema}.${change.object.name}`, kind: change.object.kind }],
      },
    ],
    partialFingerprints: { 'tenantguard-diff/v1': JSON.stringify([change.class, change.object, change.role, change.commands]) },
    properties: { object: change.object, role: change.role, commands: change.commands, before: change.before, after: change.after, ...(change.proof ? { proof: change.proof } : {}) },
  };
}

/** SARIF 2.1.0: each change a result on the migration line that made it (GitHub code scanning shows it on the pull request). */
export function renderDiffSarif(diff: DiffResult, options: DiffReportOptions = {}): string {
  const rules = RULES.map((r) => ({
    id: `access-${r.cls}`,
    name: `Access${r.cls[0]!.toUpperCase()}${r.cls.slice(1)}`,
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: TAGS, 'security-severity': SECURITY_SEVERITY[r.severity] },
  }));
  const results = shownChanges(diff, options.verbose).map((c) => result(c, options.anchor));
  return sarifLog(diff.version, rules, results, { base: diff.base, head: diff.head, summary: diff.summary });
}
