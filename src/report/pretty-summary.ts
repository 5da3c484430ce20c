/**
 * The closing block of the pretty report: counts by severity and rule, the
 * objects to fix first, and the one-line total — one screen whatever the
 * number of findings.
 */
import type { ChalkInstance } from 'chalk';
import type { AuditResult, Finding } from '../check/types.js';
import type { Severity } from '../config/types.js';
import type { FindingObject } from '../rules/types.js';
import { describeObject } from './object-name.js';
import { plural } from './text-wrap.js';

/** Kinds whose findings are grouped under the table they belong to. */
export const TABLE_PARTS = new Set<FindingObject['kind']>(['table', 'policy', 'column', 'constraint', 'index']);

/** Objects listed under "Fix first". */
const TOP_OBJECTS = 5;

export function severityRank(severity: Severity): number {
  return { info: 0, warning: 1, error: 2 }[severity];
}

const tableOf = (o: FindingObject) => `${o.schema ?? ''}\0${o.kind === 'table' ? o.name : (o.table ?? o.name)}`;

/**
 * `N errors, N warnings in M of T tables (K tenant tables)`, then the info
 * count: listed, or (by default) only counted. M counts every table a
 * finding is about, the tenant root included.
 */
export function summaryLine(result: AuditResult, verbose = true): string {
  // a table whose problem is reported inside its root cause (a role that owns it) is flagged all the same
  const objects = result.findings.filter((f) => f.severity !== 'info').flatMap((f) => [f.object, ...(f.related ?? []).map((r) => r.object)]);
  const flagged = new Set(objects.filter((o) => TABLE_PARTS.has(o.kind)).map(tableOf));
  const { error, warning, info, tables, tenantTables } = result.summary;
  const line =
    `${plural(error, 'error')}, ${plural(warning, 'warning')} in ${flagged.size} of ${plural(tables, 'table')} ` +
    `(${plural(tenantTables, 'tenant table')})`;
  if (info === 0) return line;
  return verbose ? `${line}; ${info} info` : `${line}; ${info} info hidden (--verbose)`;
}

/** `  error    3  policy-bypass-setting`, most severe first, then most frequent. */
function countsByRule(findings: readonly Finding[]): string[] {
  const counts = new Map<string, { severity: Severity; rule: string; count: number }>();
  for (const f of findings) {
    const key = `${f.severity} ${f.rule}`;
    const entry = counts.get(key) ?? { severity: f.severity, rule: f.rule, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const rows = [...counts.values()].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || (a.rule < b.rule ? -1 : 1),
  );
  const width = Math.max(...rows.map((r) => String(r.count).length));
  return rows.map((r) => `  ${r.severity.padEnd('warning'.length)}  ${String(r.count).padStart(width)}  ${r.rule}`);
}

/** The objects whose fixes close the most: errors before warnings, then the most consequences folded in. */
function fixFirst(findings: readonly Finding[]): string[] {
  const byObject = new Map<string, { object: FindingObject; findings: Finding[] }>();
  for (const f of findings) {
    if (f.severity === 'info') continue;
    const key = describeObject(f.object);
    const entry = byObject.get(key) ?? { object: f.object, findings: [] };
    entry.findings.push(f);
    byObject.set(key, entry);
  }
  const weight = (list: Finding[]) => list.reduce((n, f) => n + 1 + (f.related?.length ?? 0), 0);
  const worst = (list: Finding[]) => Math.max(...list.map((f) => severityRank(f.severity)));
  const ranked = [...byObject.values()].sort((a, b) => worst(b.findings) - worst(a.findings) || weight(b.findings) - weight(a.findings));
  return ranked.slice(0, TOP_OBJECTS).map(({ object, findings: list }, i) => {
    const rules = [...new Set(list.map((f) => f.rule))].join(', ');
    const related = list.reduce((n, f) => n + (f.related?.length ?? 0), 0);
    const more = related > 0 ? ` (and ${plural(related, 'consequence')})` : '';
    return `  ${i + 1}. ${describeObject(object)}: ${rules}${more}`;
  });
}

export function summaryBlock(chalk: ChalkInstance, result: AuditResult, verbose: boolean): string[] {
  const { error, warning } = result.summary;
  const style = error > 0 ? chalk.red.bold : warning > 0 ? chalk.yellow.bold : chalk.green.bold;
  const closing = style(summaryLine(result, verbose));
  if (result.findings.length === 0) return [closing];
  const lines = [chalk.bold('By severity and rule:'), ...countsByRule(result.findings)];
  const top = fixFirst(result.findings);
  if (top.length > 0) lines.push(chalk.bold('Fix first:'), ...top);
  return [...lines, closing];
}
