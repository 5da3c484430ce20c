import type { Severity } from '../../config/types.js';
import { escapeCommandData, escapeCommandProperty } from '../../report/github.js';
import { tenantNoun } from '../../tenancy/describe-policy.js';
import type { AccessChange } from '../compare.js';
import type { DiffResult } from '../index.js';
import type { DiffReportOptions } from './options.js';
import { changeSentence, countsText, objectText, shownChanges, verdictText } from './shown.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

function annotation(change: AccessChange, anchor: string | null | undefined): string {
  const at = change.location ?? (anchor ? { file: anchor, line: 1 } : null);
  const properties = at ? [`file=${escapeCommandProperty(at.file)}`, `line=${at.line}`] : [];
  properties.push(`title=${escapeCommandProperty(`access ${change.class}: ${objectText(change)}`)}`);
  const lines = [changeSentence(change)];
  if (change.proof) lines.push(`Probe: ${change.proof.status}: ${change.proof.detail}`);
  return `::${COMMAND[change.severity]} ${properties.join(',')}::${escapeCommandData(lines.join('\n'))}`;
}

/** GitHub Actions workflow commands: one annotation per change, on its migration line, then the verdict. */
export function renderDiffGithub(result: DiffResult, options: DiffReportOptions = {}): string {
  const lines = shownChanges(result, options.verbose).map((c) => annotation(c, options.anchor));
  lines.push(`tenantguard diff: ${verdictText(result, tenantNoun(result))} (${countsText(result.summary)})`);
  return `${lines.join('\n')}\n`;
}
