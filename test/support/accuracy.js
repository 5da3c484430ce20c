/**
 * How the idiom suite is scored, shared by test/idioms.test.ts and `npm run accuracy`
 * (plain JavaScript so the script can use it without a build step).
 *
 * An idiom's expected.json lists `{ rule, object, severity }` entries: the
 * `error` entries are the exact set of errors a correct audit reports (none for
 * a well-built idiom), the `warning` entries must be present, `info` entries
 * are not judged.
 */

/** @typedef {{ rule: string, object: string, severity: 'error' | 'warning' | 'info' }} ExpectedFinding */

/**
 * `public.projects`, `public.projects.tenant` (policies, constraints, indexes), `app_user` (roles), `database`.
 * Role names lose the per-test namespace prefix the test databases add.
 * @param {{ object: { kind: string, schema: string | null, name: string, table?: string } }} finding
 */
export function objectName(finding) {
  const o = finding.object;
  const unprefixed = (/** @type {string} */ s) => s.replace(/^tg[0-9a-f]{8}_/, '');
  if (o.kind === 'database') return 'database';
  if (o.schema === null) return unprefixed(o.name);
  return o.table !== undefined && o.table !== o.name ? `${o.schema}.${o.table}.${o.name}` : `${o.schema}.${o.name}`;
}

const key = (/** @type {{ rule: string, object: string }} */ e) => `${e.rule} ${e.object}`;

/**
 * @param {ExpectedFinding[]} expected
 * @param {ExpectedFinding[]} actual  the audit's findings, as `{ rule, object: objectName(f), severity }`
 */
export function compareIdiom(expected, actual) {
  const expectedErrors = expected.filter((e) => e.severity === 'error').map(key).sort();
  const actualErrors = [...new Set(actual.filter((f) => f.severity === 'error').map(key))].sort();
  const actualWarnings = new Set(actual.filter((f) => f.severity === 'warning').map(key));
  const falseErrors = actualErrors.filter((k) => !expectedErrors.includes(k));
  const missedErrors = expectedErrors.filter((k) => !actualErrors.includes(k));
  const missingWarnings = expected.filter((e) => e.severity === 'warning').map(key).filter((k) => !actualWarnings.has(k));
  return {
    wellBuilt: expectedErrors.length === 0,
    expectedErrors,
    actualErrors,
    falseErrors,
    missedErrors,
    missingWarnings,
    matches: falseErrors.length === 0 && missedErrors.length === 0 && missingWarnings.length === 0,
  };
}

/** @param {{ name: string, comparison: ReturnType<typeof compareIdiom> }[]} results */
export function summarize(results) {
  const wellBuilt = results.filter((r) => r.comparison.wellBuilt);
  const leaky = results.filter((r) => !r.comparison.wellBuilt);
  /** @type {Record<string, number>} */
  const errorsOnWellBuiltByRule = {};
  for (const r of wellBuilt) {
    for (const k of r.comparison.actualErrors) {
      const rule = k.split(' ')[0];
      errorsOnWellBuiltByRule[rule] = (errorsOnWellBuiltByRule[rule] ?? 0) + 1;
    }
  }
  const expected = leaky.reduce((n, r) => n + r.comparison.expectedErrors.length, 0);
  const found = leaky.reduce((n, r) => n + r.comparison.expectedErrors.length - r.comparison.missedErrors.length, 0);
  return {
    idioms: results.length,
    wellBuilt: wellBuilt.length,
    wellBuiltWithErrors: wellBuilt.filter((r) => r.comparison.actualErrors.length > 0).length,
    errorsOnWellBuilt: wellBuilt.reduce((n, r) => n + r.comparison.actualErrors.length, 0),
    errorsOnWellBuiltByRule,
    leaky: leaky.length,
    expectedErrors: expected,
    foundErrors: found,
    recall: expected === 0 ? 1 : found / expected,
    extraErrorsOnLeaky: leaky.reduce((n, r) => n + r.comparison.falseErrors.length, 0),
    mismatched: results.filter((r) => !r.comparison.matches).map((r) => r.name),
  };
}

/** @param {ReturnType<typeof summarize>} s */
export function formatSummary(s) {
  const byRule = Object.entries(s.errorsOnWellBuiltByRule)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([rule, n]) => `    ${rule}: ${n}`);
  return [
    `idioms: ${s.idioms} (${s.wellBuilt} well-built, ${s.leaky} leaky)`,
    `error-level findings on well-built idioms: ${s.errorsOnWellBuilt} (target 0), in ${s.wellBuiltWithErrors} of ${s.wellBuilt} idioms`,
    ...byRule,
    `recall on leaky idioms: ${s.foundErrors}/${s.expectedErrors} expected errors found (${(s.recall * 100).toFixed(1)}%, target 100%)`,
    `errors beyond the expected ones on leaky idioms: ${s.extraErrorsOnLeaky}`,
    `idioms whose findings do not match: ${s.mismatched.length}${s.mismatched.length ? ` (${s.mismatched.join(', ')})` : ''}`,
  ].join('\n');
}
