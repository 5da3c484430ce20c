import type { AuditResult, Finding } from '../check/types.js';
import type { Severity } from '../config/types.js';
import { consequenceLine } from './consequences.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import type { ReportOptions } from './options.js';
import { qualifiedObjectName } from '../sql/object-name.js';

/** GitHub rejects comments over 65,536 characters; stay well below. */
const MAX_LENGTH = 60_000;
/** Rows in the summary table before the rest go to the details only. */
const MAX_TABLE_ROWS = 25;

const ICON: Record<Severity, string> = { error: '🔴', warning: '🟠', info: '🔵' };

/**
 * Text from the database (names, messages) rendered literally: HTML
 * metacharacters as entities, inline Markdown punctuation (emphasis, code,
 * links, strikethrough, `$` math) backslash-escaped, `|` as an entity so it
 * cannot split a table cell, line breaks flattened. The text never starts a
 * line, so block syntax (`#`, `-`, `1.`) needs no escape.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/[\\`*_[\]~$]/g, '\\$&')
    .replace(/\r?\n|\r/g, ' ');
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function codeBlock(language: string, code: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function object(finding: Finding): string {
  return `<code>${escapeMarkdown(qualifiedObjectName(finding.object))}</code>`;
}

function where(finding: Finding): string {
  return finding.location ? ` (${escapeMarkdown(`${finding.location.file}:${finding.location.line}`)})` : '';
}

function row(finding: Finding, docs: DocsUrl): string {
  const rule = `[${finding.rule}](${docs(finding.rule)})`;
  const count = finding.related?.length ?? 0;
  const more = count > 0 ? ` <i>(and ${plural(count, 'consequence')})</i>` : '';
  return `| ${ICON[finding.severity]} ${finding.severity} | ${rule} | ${object(finding)}${where(finding)} | ${escapeMarkdown(finding.message)}${more} |`;
}

function detailItem(finding: Finding): string {
  const lines = [`- ${ICON[finding.severity]} ${object(finding)}${where(finding)}: ${escapeMarkdown(finding.message)}`];
  if (finding.related && finding.related.length > 0) {
    lines.push('', '  Because of this:', '', ...finding.related.map((r) => `  - ${escapeMarkdown(consequenceLine(r))}`));
  }
  if (finding.fix) {
    lines.push('', `  ${escapeMarkdown(finding.fix.title)}`, '', codeBlock('sql', finding.fix.sql).replace(/^/gm, '  '));
  }
  return lines.join('\n');
}

function detailsFor(rule: string, findings: Finding[], docs: DocsUrl): string {
  return [
    `<details><summary><b>${escapeMarkdown(rule)}</b> (${findings.length})</summary>`,
    '',
    `[What it means and how to fix it](${docs(rule)})`,
    '',
    ...findings.map(detailItem),
    '',
    '</details>',
  ].join('\n');
}

/**
 * A PR-comment-sized summary: counts, a table of the first findings, and the
 * full list with fixes grouped by rule in collapsible sections. Details that
 * would push the comment past GitHub's size limit are cut with a note.
 */
export function renderMarkdown(result: AuditResult, options: ReportOptions = {}): string {
  const { summary, findings } = result;
  const docs = docsUrlFor(result.version, options.docsBaseUrl);
  const head = [
    `### tenantguard: ${plural(summary.error, 'error')}, ${plural(summary.warning, 'warning')}, ${summary.info} info`,
    '',
    `Audited ${result.source.kind} <code>${escapeMarkdown(result.source.name)}</code>: ` +
      `${plural(summary.tables, 'table')}, ${summary.tenantTables} tenant-scoped.`,
    '',
  ];
  if (findings.length === 0) return `${[...head, 'No tenant-isolation findings.'].join('\n')}\n`;

  head.push('| Severity | Rule | Object | Finding |', '| --- | --- | --- | --- |');
  head.push(...findings.slice(0, MAX_TABLE_ROWS).map((f) => row(f, docs)));
  if (findings.length > MAX_TABLE_ROWS) head.push('', `…and ${findings.length - MAX_TABLE_ROWS} more below.`);
  head.push('');

  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  let text = head.join('\n');
  const rules = [...byRule.keys()].sort();
  for (const [i, rule] of rules.entries()) {
    const section = `\n${detailsFor(rule, byRule.get(rule)!, docs)}\n`;
    if (text.length + section.length > MAX_LENGTH) {
      text += `\n_Details for ${plural(rules.length - i, 'more rule')} left out to fit a comment; run \`tenantguard audit\` for the full list._\n`;
      break;
    }
    text += section;
  }
  return text.endsWith('\n') ? text : `${text}\n`;
}
