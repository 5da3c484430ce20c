/**
 * Words for reaches and cells, shared by every report format: `own
 * organization's rows`, `reads every organization's rows, writes own
 * organization's rows`, `no access`.
 */
import { displayName } from '../sql/quote.js';
import type { CellCommand, Reach, Via } from './matrix.js';

/** What a cell is reduced to in a change: how Postgres decides, and the reach of each side. */
export interface CellState {
  via: Via;
  rows: Reach | null;
  check: Reach | null;
}

export function reachText(reach: Reach, noun: string): string {
  switch (reach) {
    case 'none':
      return 'no rows';
    case 'own':
      return `own ${noun}'s rows`;
    case 'user':
      return "the current user's rows";
    case 'unknown':
      return 'rows the analysis cannot bound';
    case 'any':
      return `every ${noun}'s rows`;
  }
}

/** One reach when reading and writing agree (or only one applies), else both. */
export function describeState(state: CellState | null, noun: string): string {
  if (state === null) return 'no access';
  const { rows, check } = state;
  if (rows !== null && check !== null && rows !== check) return `reads ${reachText(rows, noun)}, writes ${reachText(check, noun)}`;
  return reachText(rows ?? check ?? 'none', noun);
}

export function describeChange(before: CellState | null, after: CellState | null, noun: string): string {
  return `${describeState(before, noun)} → ${describeState(after, noun)}`;
}

export function roleText(role: string | null): string {
  if (role === null) return 'no role today';
  return role === 'PUBLIC' ? 'every role (PUBLIC)' : displayName(null, role);
}

/** `SELECT, INSERT and DELETE` */
export function commandsText(commands: readonly CellCommand[]): string {
  if (commands.length <= 1) return commands.join('');
  return `${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}`;
}
