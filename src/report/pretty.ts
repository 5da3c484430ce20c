import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../config/types.js';
import type { AuditResult, Finding, RelatedFinding } from '../check/types.js';
import { groupAlike } from './alike.js';
import type { FindingObject } from '../rules/types.js';
import { displayName } from '../sql/quote.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import { qualifiedObjectName } from '../sql/object-name.js';
import type { ReportOptions } from './options.js';
import { severityRank, summaryBlock, TABLE_PARTS } from './pretty-summary.js';
import { wrap, wrapParagraph } from './text-wrap.js';

export { summaryLine } from './pretty-summary.js';
export { wrap } from './text-wrap.js';

const DETAIL_INDENT = '    ';
const SEVERITY_LABEL_WIDTH = 'warning'.length;

interface Group {
  heading: string;
  findings: Finding[];
}

function groupOf(object: FindingObject): { key: string; heading: string } {
  if (TABLE_PARTS.has(object.kind)) {
    const table = object.kind === 'table' ? object.name : (object.table ?? object.name);
    return { key: `table\0${object.schema ?? ''}\0${table}`, heading: displayName(object.schema, table) };
  }
  const kind = object.kind.replace('-', ' ');
  return { key: `${object.kind}\0${object.schema ?? ''}\0${object.name}`, heading: `${kind} ${displayName(object.schema, object.name)}` };
}

const worst = (findings: readonly Finding[]) => Math.max(...findings.map((f) => severityRank(f.severity)));

/**
 * Findings grouped by table (a policy, column, constraint or index under its
 * table) or by object. Groups with errors come first, then warnings; within a
 * group, errors first. Otherwise the result's order (schema, table, rule) holds.
 */
function groupFindings(findings: readonly Finding[]): Group[] {
  const groups = new Map<string, Group>();
  for (const finding of findings) {
    const own = groupOf(finding.object);
    // Several databases: the same table in each is its own group, headed with its database.
    const key = finding.source === undefined ? own.key : `${finding.source}\0${own.key}`;
    const heading = finding.source === undefined ? own.heading : `${own.heading}  in ${finding.source}`;
    const group = groups.get(key) ?? { heading, findings: [] };
    group.findings.push(finding);
    groups.set(key, group);
  }
  const bySeverity = (a: Finding, b: Finding) => severityRank(b.severity) - severityRank(a.severity);
  return [...groups.values()]
    .map((group) => ({ ...group, findings: [...group.findings].sort(bySeverity) }))
    .sort((a, b) => worst(b.findings) - worst(a.findings));
}

function severityStyle(chalk: ChalkInstance, severity: Severity): ChalkInstance {
  if (severity === 'error') return chalk.red.bold;
  if (severity === 'warning') return chalk.yellow.bold;
  return chalk.cyan;
}

/** What a finding is about, when it is a part of the table rather than the table itself. */
function objectLabel(object: FindingObject): string | null {
  if (!TABLE_PARTS.has(object.kind) || object.kind === 'table') return null;
  return `${object.kind} ${displayName(null, object.name)}`;
}

/** One line (wrapped) per consequence: what it opens, and the rule that would have reported it. */
function consequenceLines(chalk: ChalkInstance, related: RelatedFinding, verbose: boolean): string[] {
  const where = related.object.kind === 'role' || related.object.kind === 'database' ? ` on ${qualifiedObjectName(related.object)}` : '';
  const text = `${verbose ? related.message : (related.impact ?? related.message)} [${related.rule}${where}]`;
  const lines = wrapParagraph(text, `${DETAIL_INDENT}→ `, `${DETAIL_INDENT}  `);
  lines[0] = lines[0]!.replace('→', chalk.dim('→'));
  if (verbose && related.location) lines.push(`${DETAIL_INDENT}  ${chalk.dim('at:')} ${related.location.file}:${related.location.line}`);
  return lines;
}

/** `also on: public.documents, public.projects` — the tables where an alike finding says the same. */
function alsoOnLines(chalk: ChalkInstance, alsoOn: readonly Finding[]): string[] {
  if (alsoOn.length === 0) return [];
  const tables = alsoOn.map((f) => displayName(f.object.schema, f.object.kind === 'table' ? f.object.name : (f.object.table ?? f.object.name)));
  const lines = wrapParagraph(`also on: ${tables.join(', ')}`, DETAIL_INDENT, `${DETAIL_INDENT}  `);
  lines[0] = lines[0]!.replace('also on:', chalk.dim('also on:'));
  return lines;
}

function renderFinding(chalk: ChalkInstance, finding: Finding, docs: DocsUrl, verbose: boolean, alsoOn: readonly Finding[] = []): string[] {
  const style = severityStyle(chalk, finding.severity);
  const label = objectLabel(finding.object);
  const head = `  ${style(finding.severity.padEnd(SEVERITY_LABEL_WIDTH))}  ${style(finding.rule)}`;
  const lines = [label ? `${head}  ${chalk.dim(label)}` : head];
  lines.push(...wrap(finding.message, DETAIL_INDENT));
  for (const related of finding.related ?? []) lines.push(...consequenceLines(chalk, related, verbose));
  lines.push(...alsoOnLines(chalk, alsoOn));
  if (finding.location) lines.push(`${DETAIL_INDENT}${chalk.dim('at:')} ${finding.location.file}:${finding.location.line}`);
  if (finding.fix) {
    // Wrap the plain text first so colour codes do not count towards the width.
    const fixLines = wrap(`fix: ${finding.fix.title}`, DETAIL_INDENT);
    fixLines[0] = fixLines[0]!.replace('fix:', chalk.green('fix:'));
    lines.push(...fixLines);
  }
  lines.push(`${DETAIL_INDENT}${chalk.dim('docs:')} ${chalk.underline(docs(finding.rule))}`);
  return lines;
}

/**
 * `--format pretty`: errors and warnings grouped by table, errors first, each
 * with its message, the consequences folded into it (→ lines), the fix title
 * and the rule's documentation page; then a summary (counts by severity and
 * rule, the objects to fix first) and the closing count. Info findings are
 * counted but listed only with `verbose`, which also shows each consequence's
 * full message instead of its short form. By default a finding that says the
 * same about several tables (one policy copied onto each) is printed once,
 * with the other tables on an `also on:` line; `verbose` prints each.
 */
/** An audit of several databases: one line per database, before the totals. */
function sourceLines(chalk: ChalkInstance, result: AuditResult): string[] {
  if (!result.sources) return [];
  const lines = ['By database:'];
  for (const source of result.sources) {
    if (source.failed !== undefined) lines.push(`  ${chalk.red('failed')}  ${source.name}: ${source.failed}`);
    else lines.push(`  ${source.name}: ${source.summary!.error} error${source.summary!.error === 1 ? '' : 's'}, ${source.summary!.warning} warning${source.summary!.warning === 1 ? '' : 's'}, ${source.summary!.info} info in ${source.summary!.tables} tables (${source.summary!.tenantTables} tenant)`);
  }
  return lines;
}

export function renderPretty(result: AuditResult, options: ReportOptions = {}): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const verbose = options.verbose ?? false;
  const listed = verbose ? result.findings : result.findings.filter((f) => f.severity !== 'info');
  const alike = verbose ? listed.map((finding) => ({ finding, alsoOn: [] })) : groupAlike(listed);
  const alsoOn = new Map(alike.map((a) => [a.finding, a.alsoOn]));
  const docs = docsUrlFor(result.version, options.docsBaseUrl);
  const lines: string[] = [];
  for (const group of groupFindings(alike.map((a) => a.finding))) {
    lines.push(chalk.bold(group.heading));
    for (const finding of group.findings) lines.push(...renderFinding(chalk, finding, docs, verbose, alsoOn.get(finding)));
    lines.push('');
  }
  if (result.findings.length === 0) lines.push(chalk.green('No tenant-isolation problems found.'));
  lines.push(...sourceLines(chalk, result));
  lines.push(...summaryBlock(chalk, result, verbose, alike));
  return `${lines.join('\n')}\n`;
}
