import type { AuditResult, Finding, RelatedFinding } from '../check/types.js';
import type { Severity } from '../config/types.js';
import { rules as registeredRules } from '../rules/index.js';
import type { FindingObject } from '../rules/types.js';
import { consequencesText } from './consequences.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import { qualifiedObjectName } from '../sql/object-name.js';
import type { ReportOptions, RuleDescriptor } from './options.js';

/** SARIF 2.1.0 (OASIS), the format GitHub code scanning ingests. */
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * GitHub ranks security alerts by `security-severity` (0–10): a tenant
 * isolation hole is a data leak, so errors rank high.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.0', info: '2.0' };

/** A relative file path as a URI reference: forward slashes, each segment percent-encoded. */
function fileUri(path: string): string {
  return path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

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
      tags: ['security', 'postgresql', 'row-level-security', 'multi-tenant'],
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
  const at = finding.location ?? (anchor ? { file: anchor, line: 1 } : null);
  if (!at) return {};
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(at.file), uriBaseId: '%SRCROOT%' },
      region: { startLine: Math.max(1, at.line) },
    },
  };
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
    properties: { object: finding.object, docs: finding.docs },
  };
}

/**
 * Every result carries a physical location when the finding has a migration
 * location or an anchor is given: GitHub code scanning rejects results without one.
 */
export function renderSarif(result: AuditResult, options: ReportOptions = {}): string {
  const rules = ruleDescriptors(result, options);
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tenantguard',
            version: result.version,
            semanticVersion: result.version,
            informationUri: 'https://www.npmjs.com/package/tenantguard',
            rules: rules.map((rule) => sarifRule(rule, docsUrlFor(result.version, options.docsBaseUrl))),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: result.findings.map((f) => sarifResult(f, index.get(f.rule)!, options.anchor)),
        properties: { source: result.source, summary: result.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
