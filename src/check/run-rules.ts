import { createHash } from 'node:crypto';
import type { Config, IgnoreEntry, Severity } from '../config/types.js';
import type { FindingObject, Problem, Rule, RuleContext } from '../rules/types.js';
import { displayName } from '../sql/quote.js';
import { commentSuppressions } from './comment-suppressions.js';
import type { Finding } from './types.js';

/**
 * Stable identity of a finding: the rule and the object (kind, schema, table,
 * name) plus the problem's key. Never the message (wording may improve) and
 * never oids (they change on every restore), so baselines survive both.
 */
export function fingerprint(rule: string, object: FindingObject, key: string | undefined): string {
  const identity = JSON.stringify([rule, object.kind, object.schema, object.table ?? null, object.name, key ?? null]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** Every spelling an ignore entry may use for the object: `schema.table`, `schema.table.policy`, or a bare name. */
function ignoreNames(object: FindingObject): Set<string> {
  const { schema, table, name } = object;
  const names = [name, displayName(null, name)];
  const qualify = (...parts: string[]) => [parts.join('.'), parts.map((p) => displayName(null, p)).join('.')];
  if (table !== undefined && table !== name) {
    // An entry for the table covers what belongs to it (its policies, columns, constraints).
    names.push(table, displayName(null, table), `${table}.${name}`);
    if (schema !== null) names.push(...qualify(schema, table), ...qualify(schema, table, name));
  } else if (schema !== null) {
    names.push(...qualify(schema, name));
  }
  return new Set(names);
}

export function isIgnored(ignore: readonly IgnoreEntry[], rule: string, object: FindingObject): boolean {
  if (ignore.length === 0) return false;
  const names = ignoreNames(object);
  return ignore.some((entry) => entry.rule === rule && names.has(entry.object));
}

function severityOf(rule: Rule, problem: Problem, config: Config): Severity {
  const setting = config.rules[rule.id];
  return setting !== undefined && setting !== 'off' ? setting : (problem.severity ?? rule.defaultSeverity);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Runs each enabled rule and stamps its problems into findings: severity
 * (config override > the problem's own > the rule's default), ignore entries,
 * fingerprint, docs path. Sorted by schema, table, rule, object, key.
 */
export function runRules(ctx: RuleContext, rules: readonly Rule[], config: Config): Finding[] {
  const stamped: { finding: Finding; key: string }[] = [];
  // Suppressions from config, then from `@tenantguard ignore` comments in the database.
  const ignore = [...config.ignore, ...commentSuppressions(ctx.catalog)];
  for (const rule of rules) {
    if (config.rules[rule.id] === 'off') continue;
    for (const problem of rule.check(ctx)) {
      if (isIgnored(ignore, rule.id, problem.object)) continue;
      const finding: Finding = {
        rule: rule.id,
        severity: severityOf(rule, problem, config),
        object: problem.object,
        message: problem.message,
        fix: problem.fix ?? null,
        fingerprint: fingerprint(rule.id, problem.object, problem.key),
        docs: `docs/rules/${rule.id}.md`,
        ...(problem.location ? { location: problem.location } : {}),
        ...(problem.causes && problem.causes.length > 0 ? { causes: problem.causes } : {}),
        ...(problem.impact ? { impact: problem.impact } : {}),
        ...(problem.rootCause ? { rootCause: true } : {}),
      };
      stamped.push({ finding, key: problem.key ?? '' });
    }
  }
  const sortKey = ({ finding: f, key }: { finding: Finding; key: string }) => [
    f.object.schema ?? '',
    f.object.table ?? f.object.name,
    f.rule,
    f.object.name,
    key,
    f.message,
  ];
  return stamped
    .map((s) => ({ s, k: sortKey(s) }))
    .sort((a, b) => {
      for (let i = 0; i < a.k.length; i++) {
        const c = compare(a.k[i]!, b.k[i]!);
        if (c !== 0) return c;
      }
      return 0;
    })
    .map(({ s }) => s.finding);
}
