import type { Rule } from './types.js';

/** Identity helper that keeps rule files typed and uniform. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
