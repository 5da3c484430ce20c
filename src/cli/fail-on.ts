/** `--fail-on`: which findings (or diff changes) make the exit code 1. */
import { Option } from 'commander';
import type { FailOn, Severity } from '../config/types.js';

const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'never'];
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** The --fail-on option, default `error`; `help` says what is counted. */
export function failOnOption(help = 'exit 1 when a finding is at or above this severity'): Option {
  return new Option('--fail-on <severity>', help).choices(FAIL_ON).default('error');
}

/** 1 when a finding is at or above the --fail-on threshold, else 0. */
export function exitCodeFor(severities: readonly Severity[], failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  return severities.some((severity) => RANK[severity] >= RANK[failOn]) ? 1 : 0;
}
