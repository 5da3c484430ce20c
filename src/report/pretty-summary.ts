/**
 * The closing block of the pretty report: counts by severity and rule, the
 * objects to fix first, and the one-line total — one screen whatever the
 * number of findings.
 */
import type { ChalkInstance } from 'chalk';
import type { AuditResult, Finding } from '../check/types.js';
import type { Severity } from '../config/types.js';
import type { FindingObject } from '../rules/types.js';
import type { AlikeFindings } from './alike.js';
import { describeObject } from '../sql/object-name.js';
import { plural, wrapParagraph } from './text-wrap.js';

/** Kinds whose findings are grouped under the table they belong to. */
export const TABLE_PARTS = new Set<FindingObject['kind']>(['table', 'policy', 'column', 'constraint', 'index']);

/** Objects listed under "Fix first". */
const TOP_OBJECTS = 5;

export function severityRank(severity: Severity): number {
  return { info: 0, warning: 1, error: 2 }[severity];
}

const tableOf = (o: FindingObject) => `${o.schema ?? ''}\0${o.kind === 'table' ? o.name : (o.table ?? o.name)}`;

/**
 * `N errors, N warnings in M of T tables (K tenant)`, then the info
 * count: listed, or (by default) only counted. M counts every table a
 * finding is about, the tenant root included.
 */
export function summaryLine(result: AuditResult, verbose = true): string {
  // a table whose problem is reported inside its root cause (a role that owns it) is flagged all the same
  const objects = result.findings
    .filter((f) => f.severity !== 'info')
    .flatMap((f) => [f.object, ...(f.related ?? []).map((r) => r.object)].map((object) => ({ object, source: f.source ?? '' })));
  const flagged = new Set(objects.filter(({ object }) => TABLE_PARTS.has(object.kind)).map(({ object, source }) => `${source}\0${tableOf(object)}`));
  const { error, warning, info, tables, tenantTables, tenantSchemas } = result.summary;
  const line =
    `${plural(error, 'error')}, ${plural(warning, 'warning')} in ${flagged.size} of ${plural(tables, 'table')} ` +
    `(${tenantTables} tenant)${tenantSchemas === undefined ? '' : ` and ${plural(tenantSchemas, 'tenant schema')}`}`;
  if (info === 0) return line;
  return verbose ? `${line}; ${info} info` : `${line}; ${info} info hidden (--verbose)`;
}

const SEVERITY_LABEL: Record<Severity, string> = { error: 'errors', warning: 'warnings', info: 'info' };

/** `  errors    policy-bypass-setting (3), rls-disabled (2)`: one wrapped line per severity, most frequent rule first. */
function countsByRule(findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  for (const severity of ['error', 'warning', 'info'] as const) {
    const counts = new Map<string, number>();
    for (const f of findings) if (f.severity === severity) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    if (counts.size === 0) continue;
    const rules = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([rule, n]) => `${rule} (${n})`);
    lines.push(...wrapParagraph(rules.join(', '), `  ${SEVERITY_LABEL[severity].padEnd('warnings'.length)}  `, ' '.repeat(12)));
  }
  return lines;
}

/**
 * The objects whose fixes close the most: errors before warnings, then the
 * most findings explained (its own, the consequences folded into it, the
 * tables where the same finding recurs). One line each, wrapped to 80 columns.
 */
function fixFirst(alike: readonly AlikeFindings[]): string[] {
  const alikeOf = new Map(alike.map((a) => [a.finding, a.alsoOn.length]));
  const byObject = new Map<string, { object: FindingObject; source?: string; findings: Finding[]; tables: number }>();
  for (const { finding, alsoOn } of alike) {
    if (finding.severity === 'info') continue;
    const key = `${finding.source ?? ''}\0${describeObject(finding.object)}`;
    const entry = byObject.get(key) ?? { object: finding.object, source: finding.source, findings: [], tables: 0 };
    entry.findings.push(finding);
    entry.tables = Math.max(entry.tables, alsoOn.length);
    byObject.set(key, entry);
  }
  const explained = (e: { findings: Finding[]; tables: number }) =>
    e.findings.reduce((n, f) => n + 1 + (f.related?.length ?? 0), 0) * (1 + e.tables);
  const worst = (list: Finding[]) => Math.max(...list.map((f) => severityRank(f.severity)));
  const ranked = [...byObject.values()].sort((a, b) => worst(b.findings) - worst(a.findings) || explained(b) - explained(a));
  return ranked.slice(0, TOP_OBJECTS).flatMap((entry, i) => {
    const [first, ...others] = [...entry.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
    const alsoOn = alikeOf.get(first!) ?? 0;
    const explains = entry.findings.reduce((n, f) => n + (f.related?.length ?? 0), 0);
    const notes = [
      ...(alsoOn > 0 ? [`also on ${plural(alsoOn, 'more table')}`] : []),
      ...(explains > 0 ? [`explains ${plural(explains, 'more finding')}`] : []),
    ];
    const text =
      `${describeObject(entry.object)}${entry.source !== undefined ? ` in ${entry.source}` : ''}: ${first!.rule}` +
      (notes.length > 0 ? ` (${notes.join('; ')})` : '') +
      others.map((f) => `, ${f.rule}`).join('');
    return wrapParagraph(text, `  ${i + 1}. `, '     ');
  });
}

export function summaryBlock(chalk: ChalkInstance, result: AuditResult, verbose: boolean, alike: readonly AlikeFindings[]): string[] {
  const { error, warning } = result.summary;
  const style = error > 0 ? chalk.red.bold : warning > 0 ? chalk.yellow.bold : chalk.green.bold;
  const closing = style(summaryLine(result, verbose));
  if (result.findings.length === 0) return [closing];
  const lines = [chalk.bold('By severity and rule:'), ...countsByRule(result.findings)];
  const top = fixFirst(alike);
  if (top.length > 0) lines.push(chalk.bold('Fix first:'), ...top);
  return [...lines, closing];
}
