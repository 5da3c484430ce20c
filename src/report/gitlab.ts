/**
 * `--format gitlab`: GitLab's Code Quality report, a JSON array of issues
 * that merge requests show beside the diff (artifacts:reports:codequality).
 * GitLab needs a description, a check name, a fingerprint unique in the
 * report, a severity of its own scale and a file path with a line on every
 * issue; findings without a migration line point at the anchor file, as in SARIF.
 */
import type { AuditResult, Finding } from '../check/types.js';
import type { Severity } from '../config/types.js';
import { qualifiedObjectName } from '../sql/object-name.js';
import { consequencesText } from './consequences.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import type { ReportOptions } from './options.js';

/** GitLab's scale is info, minor, major, critical, blocker: an error is a proven hole, critical. */
const SEVERITY: Record<Severity, 'info' | 'major' | 'critical'> = { error: 'critical', warning: 'major', info: 'info' };

function body(finding: Finding, docs: DocsUrl): string {
  const parts = [finding.message];
  if (finding.related && finding.related.length > 0) parts.push(consequencesText(finding.related));
  if (finding.fix) parts.push(`Fix: ${finding.fix.title}\n\n\`\`\`sql\n${finding.fix.sql}\n\`\`\``);
  parts.push(`Docs: ${docs(finding.rule)}`);
  return parts.join('\n\n');
}

function issue(finding: Finding, docs: DocsUrl, fallbackPath: string) {
  const at = finding.location ?? { file: fallbackPath, line: 1 };
  return {
    type: 'issue',
    check_name: finding.rule,
    description: `${finding.source !== undefined ? `[${finding.source}] ` : ''}${finding.rule}: ${qualifiedObjectName(finding.object)}: ${finding.message}`,
    content: { body: body(finding, docs) },
    categories: ['Security'],
    severity: SEVERITY[finding.severity],
    fingerprint: finding.fingerprint,
    location: { path: at.file, lines: { begin: at.line } },
  };
}

export function renderGitlab(result: AuditResult, options: ReportOptions = {}): string {
  const docs = docsUrlFor(result.version, options.docsBaseUrl);
  // Without an anchor (no config, migrations or package.json), the source itself is the best path there is.
  const fallbackPath = options.anchor ?? result.source.name;
  const issues = result.findings.map((finding) => issue(finding, docs, fallbackPath));
  return `${JSON.stringify(issues, null, 2)}\n`;
}
