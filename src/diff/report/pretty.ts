import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../../config/types.js';
import { tenantNoun } from '../../tenancy/describe-policy.js';
import type { AccessChange, ChangeClass } from '../compare.js';
import type { DiffResult } from '../index.js';
import type { DiffReportOptions } from './options.js';
import { changeSentence, countsText, locationText, objectText, shownChanges, verdictText } from './shown.js';

const MARK: Record<Severity, string> = { error: '✖', warning: '!', info: '·' };
const CLASS_WIDTH = 'equivalent'.length;

function style(chalk: ChalkInstance, severity: Severity): ChalkInstance {
  return severity === 'error' ? chalk.red.bold : severity === 'warning' ? chalk.yellow.bold : chalk.cyan;
}

function proofText(change: AccessChange): string | null {
  if (!change.proof) return null;
  return change.proof.status === 'proven' ? 'proven by the probe' : change.proof.status === 'not-reproduced' ? 'not reproduced by the probe' : 'not probed';
}

function line(chalk: ChalkInstance, change: AccessChange, verbose: boolean | undefined): string[] {
  const label = style(chalk, change.severity)(`${MARK[change.severity]} ${change.class.padEnd(CLASS_WIDTH)}`);
  const where = [locationText(change), proofText(change)].filter((p): p is string => p !== null);
  const out = [`  ${label} ${changeSentence(change)}${where.length > 0 ? chalk.dim(` [${where.join('; ')}]`) : ''}`];
  if (verbose && change.proof) out.push(chalk.dim(`      probe: ${change.proof.detail}`));
  return out;
}

/** One line per change, grouped by table (or view, or function); then the counts and the verdict. */
export function renderDiffPretty(result: DiffResult, options: DiffReportOptions = {}): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const noun = tenantNoun(result);
  const shown = shownChanges(result, options.verbose);
  const out = [chalk.bold(`Access changes from ${result.base.label} to ${result.head.label}`), ''];
  const groups = new Map<string, AccessChange[]>();
  for (const change of shown) groups.set(objectText(change), [...(groups.get(objectText(change)) ?? []), change]);
  for (const [heading, changes] of groups) {
    out.push(chalk.bold(heading), ...changes.flatMap((c) => line(chalk, c, options.verbose)), '');
  }
  const hidden = result.changes.length - shown.length;
  const classes: ChangeClass[] = ['widened', 'narrowed', 'unknown'];
  const worst = classes.find((c) => result.changes.some((x) => x.class === c && x.severity !== 'info'));
  const verdict = verdictText(result, noun);
  out.push(worst ? style(chalk, worst === 'widened' && result.changes.some((c) => c.severity === 'error') ? 'error' : 'warning')(verdict) : chalk.green(verdict));
  out.push(chalk.dim(`${countsText(result.summary)}${hidden > 0 ? ` (${hidden} info hidden: --verbose)` : ''}${result.probed ? '; widenings probed on both embedded copies' : ''}`));
  return `${out.join('\n')}\n`;
}
