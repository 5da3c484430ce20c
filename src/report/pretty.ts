import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../config/types.js';
import type { AuditResult, Finding } from '../check/types.js';
import type { FindingObject } from '../rules/types.js';
import { displayName } from '../sql/quote.js';
import { ruleDocsUrl } from './docs-url.js';
import type { ReportOptions } from './options.js';

/** Pretty output is laid out for an 80-column terminal. */
const WIDTH = 80;
const DETAIL_INDENT = '    ';
const SEVERITY_LABEL_WIDTH = 'warning'.length;

/** Kinds whose findings are grouped under the table they belong to. */
const TABLE_PARTS = new Set<FindingObject['kind']>(['table', 'policy', 'column', 'constraint', 'index']);

interface Group {
  heading: string;
  /** Set when the group is a table (for the "M of K tenant tables" count). */
  isTable: boolean;
  findings: Finding[];
}

function groupOf(object: FindingObject): { key: string; heading: string; isTable: boolean } {
  if (TABLE_PARTS.has(object.kind)) {
    const table = object.kind === 'table' ? object.name : (object.table ?? object.name);
    const heading = displayName(object.schema, table);
    return { key: `table\0${object.schema ?? ''}\0${table}`, heading, isTable: true };
  }
  const kind = object.kind.replace('-', ' ');
  return {
    key: `${object.kind}\0${object.schema ?? ''}\0${object.name}`,
    heading: `${kind} ${displayName(object.schema, object.name)}`,
    isTable: false,
  };
}

/** Groups in first-appearance order; findings arrive sorted by schema, table, rule. */
function groupFindings(findings: readonly Finding[]): Group[] {
  const groups = new Map<string, Group>();
  for (const finding of findings) {
    const { key, heading, isTable } = groupOf(finding.object);
    let group = groups.get(key);
    if (!group) {
      group = { heading, isTable, findings: [] };
      groups.set(key, group);
    }
    group.findings.push(finding);
  }
  return [...groups.values()];
}

/** Greedy word wrap; words longer than the line (SQL, URLs) stay whole. */
export function wrap(text: string, indent: string, width = WIDTH): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(indent + line);
  }
  return lines;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
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

function renderFinding(chalk: ChalkInstance, finding: Finding, version: string): string[] {
  const style = severityStyle(chalk, finding.severity);
  const label = objectLabel(finding.object);
  const head = `  ${style(finding.severity.padEnd(SEVERITY_LABEL_WIDTH))}  ${style(finding.rule)}`;
  const lines = [label ? `${head}  ${chalk.dim(label)}` : head];
  lines.push(...wrap(finding.message, DETAIL_INDENT));
  if (finding.location) lines.push(`${DETAIL_INDENT}${chalk.dim('at:')} ${finding.location.file}:${finding.location.line}`);
  if (finding.fix) {
    // Wrap the plain text first so colour codes do not count towards the width.
    const fixLines = wrap(`fix: ${finding.fix.title}`, DETAIL_INDENT);
    fixLines[0] = fixLines[0]!.replace('fix:', chalk.green('fix:'));
    lines.push(...fixLines);
  }
  lines.push(`${DETAIL_INDENT}${chalk.dim('docs:')} ${chalk.underline(ruleDocsUrl(finding.rule, version))}`);
  return lines;
}

/** The closing line: `N errors, N warnings in M of K tenant tables`. */
export function summaryLine(result: AuditResult): string {
  const groups = groupFindings(result.findings.filter((f) => f.severity !== 'info'));
  const tablesWithProblems = groups.filter((g) => g.isTable).length;
  const { error, warning, info, tenantTables } = result.summary;
  const line = `${plural(error, 'error')}, ${plural(warning, 'warning')} in ${tablesWithProblems} of ${plural(tenantTables, 'tenant table')}`;
  return info > 0 ? `${line} (${info} info)` : line;
}

/**
 * `--format pretty`: findings grouped by table, one block per finding with the
 * message, the fix title and the rule's documentation page.
 */
export function renderPretty(result: AuditResult, options: ReportOptions = {}): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [];
  for (const group of groupFindings(result.findings)) {
    lines.push(chalk.bold(group.heading));
    for (const finding of group.findings) lines.push(...renderFinding(chalk, finding, result.version));
    lines.push('');
  }
  if (result.findings.length === 0) lines.push(chalk.green('No tenant-isolation problems found.'));
  const { error, warning } = result.summary;
  const summaryStyle = error > 0 ? chalk.red.bold : warning > 0 ? chalk.yellow.bold : chalk.green.bold;
  lines.push(summaryStyle(summaryLine(result)));
  return `${lines.join('\n')}\n`;
}
