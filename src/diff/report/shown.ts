/**
 * What every diff report shares: which changes are shown (info ones only
 * with --verbose), how an object and a change are named, and the verdict line.
 */
import { displayName } from '../../sql/quote.js';
import type { AccessChange, ChangeClass, ChangeCounts } from '../compare.js';
import { commandsText, roleText } from '../describe.js';
import type { DiffResult } from '../index.js';

export function shownChanges(result: DiffResult, verbose: boolean | undefined): AccessChange[] {
  return verbose ? result.changes : result.changes.filter((c) => c.severity !== 'info');
}

export function objectText(change: AccessChange): string {
  const name = displayName(change.object.schema, change.object.name);
  switch (change.object.kind) {
    case 'table':
      return name;
    case 'function':
      return `function ${name}(${change.object.arguments ?? ''})`;
    case 'role':
      return `role ${name}`;
    default:
      return `${change.object.kind.replace('-', ' ')} ${name}`;
  }
}

/** `app_user SELECT and DELETE`, or `no role today` for a latent change. */
export function whoText(change: AccessChange): string {
  return change.role === null ? roleText(null) : `${roleText(change.role)}${change.commands.length > 0 ? ` ${commandsText(change.commands)}` : ''}`;
}

/** The change in one sentence, without its location: `app_user SELECT: own … → every …: policy "p" USING (true) …` */
export function changeSentence(change: AccessChange): string {
  const why = change.reasons.length > 0 ? ` (${change.reasons.join('; ')})` : '';
  return `${whoText(change)}: ${change.summary}${why}`;
}

const WORDS: Record<ChangeClass, string> = {
  widened: 'widened',
  narrowed: 'narrowed',
  unknown: 'unknown',
  added: 'added',
  equivalent: 'equivalent',
};

export function countsText(counts: ChangeCounts): string {
  return (['widened', 'narrowed', 'unknown', 'added', 'equivalent'] as const).map((c) => `${counts[c]} ${WORDS[c]}`).join(', ');
}

/** The one-line verdict: what a reviewer must know first. */
export function verdictText(result: DiffResult, noun: string): string {
  const { summary } = result;
  const latent = result.changes.filter((c) => c.class === 'widened' && c.severity !== 'error').length;
  if (summary.widened - latent > 0) return `widens access: a role can reach another ${noun}'s rows it could not reach before`;
  if (summary.widened > 0 || summary.unknown > 0) return 'needs review: some access could not be decided, or a protection loosened that no role uses today';
  if (summary.narrowed > 0) return 'narrows access: a role loses access it had, which may break the app';
  return `no change in who can reach which ${noun}'s rows`;
}

export function locationText(change: AccessChange): string | null {
  return change.location ? `${change.location.file}:${change.location.line}` : null;
}
