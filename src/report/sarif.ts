import type { AuditResult, Finding, RelatedFinding } from '../check/types.js';
import { rules as registeredRules } from '../rules/index.js';
import type { FindingObject } from '../rules/types.js';
import { consequencesText } from './consequences.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import { qualifiedObjectName } from '../sql/object-name.js';
import type { ReportOptions, RuleDescriptor } from './options.js';
import { LEVEL, physicalLocation as fileLocation, sarifLog, SECURITY_SEVERITY, TAGS } from './sarif-log.js';

function ruleDescriptors(result: AuditResult, options: ReportOptions): RuleDescriptor[] {
  const known = [...(options.rules ?? registeredRules)];
  const ids = new Set(known.map((r) => r.id));
  // A finding from a rule outside the list (e.g. runtime probe evidence) still needs an entry.
  for (const finding of result.findings) {
    if (ids.has(finding.rule)) continue;
    ids.add(finding.rule);
    known.push({ id: finding.rule, title: finding.rule, description: finding.rule, defaultSeverity: finding.severity });
  }
  return known;
}

function sarifRule(rule: RuleDescriptor, docs: DocsUrl) {
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    helpUri: docs(rule.id),
    help: { text: `${rule.description} Documentation: ${docs(rule.id)}` },
    defaultConfiguration: { level: LEVEL[rule.defaultSeverity] },
    properties: {
      tags: TAGS,
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[rule.defaultSeverity],
    },
  };
}

function messageText(finding: Finding): string {
  const parts = [finding.message];
  if (finding.related && finding.related.length > 0) parts.push(consequencesText(finding.related));
  if (finding.fix) parts.push(`Fix: ${finding.fix.title}\n${finding.fix.sql}`);
  return parts.join('\n\n');
}

function physicalLocation(finding: Pick<Finding, 'location'>, anchor: string | null | undefined) {
  return fileLocation(finding.location ?? (anchor ? { file: anchor, line: 1 } : null));
}

function logicalLocation(object: FindingObject) {
  return { name: object.name, fullyQualifiedName: qualifiedObjectName(object), kind: object.kind };
}

/** The tables, commands and roles a root cause opens, each as a SARIF related location. */
function relatedLocations(related: readonly RelatedFinding[], anchor: string | null | undefined) {
  return related.map((r, id) => ({
    id,
    ...physicalLocation(r, anchor),
    logicalLocations: [logicalLocation(r.object)],
    message: { text: `${r.rule}: ${r.impact ?? r.message}` },
  }));
}

function sarifResult(finding: Finding, ruleIndex: number, anchor: string | null | undefined) {
  const related = finding.related ?? [];
  return {
    ruleId: finding.rule,
    ruleIndex,
    level: LEVEL[finding.severity],
    kind: 'fail',
    message: { text: messageText(finding) },
    locations: [
      {
        ...physicalLocation(finding, anchor),
        logicalLocations: [logicalLocation(finding.object)],
      },
    ],
    ...(related.length > 0 ? { relatedLocations: relatedLocations(related, anchor) } : {}),
    partialFingerprints: { 'tenantguard/v1': finding.fingerprint },
    properties: { object: finding.object, docs: finding.docs, ...(finding.source !== undefined ? { source: finding.source } : {}) },
  };
}

/**
 * Every result carries a physical location when the finding has a migration
 * location or an anchor is given: GitHub code scanning rejects results without one.
 */
export function renderSarif(result: AuditResult, options: ReportOptions = {}): string {
  const rules = ruleDescriptors(result, options);
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  return sarifLog(
    result.version,
    rules.map((rule) => sarifRule(rule, docsUrlFor(result.version, options.docsBaseUrl))),
    result.findings.map((f) => sarifResult(f, index.get(f.rule)!, options.anchor)),
    { source: result.source, summary: result.summary },
  );
}
