import { escapeMarkdown } from '../../report/markdown.js';
import { tenantNoun } from '../../tenancy/describe-policy.js';
import type { Severity } from '../../config/types.js';
import type { AccessChange } from '../compare.js';
import { describeState, roleText, commandsText } from '../describe.js';
import type { DiffResult } from '../index.js';
import type { DiffReportOptions } from './options.js';
import { countsText, locationText, objectText, shownChanges, verdictText } from './shown.js';

/** GitHub rejects comments over 65,536 characters; stay well below. */
const MAX_LENGTH = 60_000;
const ICON: Record<Severity, string> = { error: '🔴', warning: '🟠', info: '🔵' };

function proofCell(change: AccessChange): string {
  if (!change.proof) return '';
  return change.proof.status === 'proven' ? '✔ proven' : change.proof.status === 'not-reproduced' ? 'not reproduced' : 'not probed';
}

function row(change: AccessChange, noun: string): string {
  const who = change.role === null ? '<i>no role today</i>' : escapeMarkdown(roleText(change.role));
  const commands = escapeMarkdown(commandsText(change.commands));
  const before = change.before || change.after ? escapeMarkdown(describeState(change.before, noun)) : '';
  const after = change.before || change.after ? escapeMarkdown(describeState(change.after, noun)) : escapeMarkdown(change.summary);
  const why = escapeMarkdown(change.reasons.join('; '));
  const where = locationText(change);
  const cells = [
    `${ICON[change.severity]} ${change.class}`,
    `<code>${escapeMarkdown(objectText(change))}</code>`,
    who,
    commands,
    before,
    after,
    why,
    where ? `<code>${escapeMarkdown(where)}</code>` : '',
    proofCell(change),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** A pull-request comment: the verdict line, then one table row per change. */
export function renderDiffMarkdown(result: DiffResult, options: DiffReportOptions = {}): string {
  const noun = tenantNoun(result);
  const shown = shownChanges(result, options.verbose);
  const icon = result.changes.some((c) => c.severity === 'error') ? '🔴' : shown.some((c) => c.severity === 'warning') ? '🟠' : '✅';
  const lines = [
    `### ${icon} tenantguard diff: ${escapeMarkdown(verdictText(result, noun))}`,
    '',
    `From <code>${escapeMarkdown(result.base.label)}</code> to <code>${escapeMarkdown(result.head.label)}</code>: ${countsText(result.summary)}.`,
    '',
  ];
  if (shown.length === 0) return `${lines.join('\n')}\n`;
  lines.push('| Change | Object | Role | Commands | Before | After | Why | Where | Probe |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let text = lines.join('\n');
  for (const [i, change] of shown.entries()) {
    const next = `\n${row(change, noun)}`;
    if (text.length + next.length > MAX_LENGTH) {
      text += `\n\n_${shown.length - i} more changes left out to fit a comment; run \`tenantguard diff\` for the full list._`;
      break;
    }
    text += next;
  }
  return `${text}\n`;
}
