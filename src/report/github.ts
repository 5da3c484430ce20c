import type { AuditResult, Finding } from '../check/types.js';
import type { Severity } from '../config/types.js';
import { consequencesText } from './consequences.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import { qualifiedObjectName } from '../sql/object-name.js';
import type { ReportOptions } from './options.js';

/** GitHub Actions workflow commands: one annotation per finding. */
const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** Message text: `%`, CR and LF would end or corrupt the command (actions/toolkit escapeData). */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values additionally must not contain the `:` and `,` that delimit properties. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(finding: Finding, docs: DocsUrl, anchor: string | null | undefined): string {
  const properties: string[] = [];
  const at = finding.location ?? (anchor ? { file: anchor, line: 1 } : null);
  if (at) properties.push(`file=${escapeCommandProperty(at.file)}`, `line=${at.line}`);
  properties.push(`title=${escapeCommandProperty(`${finding.rule}: ${qualifiedObjectName(finding.object)}`)}`);
  const lines = [finding.message];
  if (finding.related && finding.related.length > 0) lines.push(consequencesText(finding.related));
  if (finding.fix) lines.push(`Fix: ${finding.fix.title}`);
  lines.push(`Docs: ${docs(finding.rule)}`);
  return `::${COMMAND[finding.severity]} ${properties.join(',')}::${escapeCommandData(lines.join('\n'))}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function renderGithub(result: AuditResult, options: ReportOptions = {}): string {
  const { summary } = result;
  const lines = result.findings.map((f) => annotation(f, docsUrlFor(result.version, options.docsBaseUrl), options.anchor));
  lines.push(
    `tenantguard: ${plural(summary.error, 'error')}, ${plural(summary.warning, 'warning')}, ${summary.info} info` +
      ` in ${plural(summary.tables, 'table')} (${summary.tenantTables} tenant)`,
  );
  return `${lines.join('\n')}\n`;
}
