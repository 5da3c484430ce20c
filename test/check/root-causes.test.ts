import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapseRootCauses } from '../../src/check/root-causes.js';
import { runRules } from '../../src/check/run-rules.js';
import type { Finding } from '../../src/check/types.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/types.js';
import { rules } from '../../src/rules/index.js';
import type { FindingObject } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContext } from '../support/rule-context.js';

const policy: FindingObject = { kind: 'policy', schema: 'public', name: 'tenant', table: 'projects' };
const table: FindingObject = { kind: 'table', schema: 'public', name: 'projects' };
const role: FindingObject = { kind: 'role', schema: null, name: 'app_user' };

function finding(rule: string, object: FindingObject, extra: Partial<Finding> = {}): Finding {
  return { rule, severity: 'error', object, message: `${rule} message`, fix: null, fingerprint: `fp-${rule}`, docs: `docs/rules/${rule}.md`, ...extra };
}

describe('collapseRootCauses', () => {
  it('folds the findings a policy causes into the finding on that policy, in their order', () => {
    const root = finding('policy-bypass-setting', policy, { rootCause: true });
    const read = finding('read-not-tenant-scoped', table, { causes: [policy], impact: 'app_user can SELECT any row', fix: { title: 'restrict', sql: 'CREATE POLICY …' } });
    const write = finding('write-check-not-tenant-scoped', table, { causes: [policy] });
    const check = finding('with-check-missing', policy, { causes: [policy], rootCause: true });
    const other = finding('rls-disabled', { ...table, name: 'tasks' }, { rootCause: true });
    const out = collapseRootCauses([read, root, check, other, write]);
    expect(out.map((f) => f.rule)).toEqual(['policy-bypass-setting', 'rls-disabled']);
    expect(out[0]!.related!.map((r) => [r.rule, r.fingerprint, r.impact])).toEqual([
      ['read-not-tenant-scoped', 'fp-read-not-tenant-scoped', 'app_user can SELECT any row'],
      ['with-check-missing', 'fp-with-check-missing', undefined],
      ['write-check-not-tenant-scoped', 'fp-write-check-not-tenant-scoped', undefined],
    ]);
    // the root keeps its fingerprint; without SQL of its own it offers its consequences' fix
    expect(out[0]!.fingerprint).toBe('fp-policy-bypass-setting');
    expect(out[0]!.fix).toEqual(read.fix);
    expect(out.every((f) => !('causes' in f) && !('impact' in f) && !('rootCause' in f))).toBe(true);
  });

  it('leaves a finding alone when one of its causes has no finding of its own', () => {
    const other: FindingObject = { ...policy, name: 'admin' };
    const read = finding('read-not-tenant-scoped', table, { causes: [policy, other] });
    const out = collapseRootCauses([finding('policy-always-true', policy, { rootCause: true }), read]);
    expect(out.map((f) => f.rule)).toEqual(['policy-always-true', 'read-not-tenant-scoped']);
    expect(out[0]!.related).toBeUndefined();
  });

  it('lists a finding with two causes under both', () => {
    const other: FindingObject = { ...policy, name: 'admin' };
    const read = finding('read-not-tenant-scoped', table, { causes: [policy, other] });
    const out = collapseRootCauses([
      finding('policy-always-true', policy, { rootCause: true }),
      finding('policy-bypass-setting', other, { rootCause: true }),
      read,
    ]);
    expect(out.map((f) => [f.rule, f.related?.map((r) => r.rule)])).toEqual([
      ['policy-always-true', ['read-not-tenant-scoped']],
      ['policy-bypass-setting', ['read-not-tenant-scoped']],
    ]);
  });

  it('keeps a finding that names only itself when nothing else explains its object', () => {
    const check = finding('with-check-missing', policy, { causes: [policy], rootCause: true });
    const write = finding('write-check-not-tenant-scoped', table, { causes: [policy] });
    const out = collapseRootCauses([check, write]);
    expect(out.map((f) => [f.rule, f.related?.map((r) => r.rule)])).toEqual([['with-check-missing', ['write-check-not-tenant-scoped']]]);
  });

  it('raises the root to the most severe consequence, so the exit code never drops', () => {
    const out = collapseRootCauses([
      finding('role-bypasses-rls', role, { severity: 'warning', rootCause: true }),
      finding('rls-not-forced', table, { causes: [role] }),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.severity).toBe('error');
    expect(out[0]!.related![0]!.severity).toBe('error');
  });

  it('folds nothing into a finding that is not a root cause, such as a style note on the same policy', () => {
    const style = finding('context-not-wrapped', policy, { severity: 'info' });
    const check = finding('with-check-missing', policy, { causes: [policy], rootCause: true });
    const read = finding('read-not-tenant-scoped', table, { causes: [policy], severity: 'info' });
    const out = collapseRootCauses([style, check, read]);
    expect(out.map((f) => [f.rule, f.severity, f.related?.map((r) => r.rule)])).toEqual([
      ['context-not-wrapped', 'info', undefined],
      ['with-check-missing', 'error', ['read-not-tenant-scoped']],
    ]);
  });

  it('prefers a finding that names no cause as the root of its object', () => {
    const check = finding('with-check-missing', policy, { causes: [policy], severity: 'error', rootCause: true });
    const root = finding('context-fail-open', policy, { severity: 'warning', rootCause: true });
    const out = collapseRootCauses([check, root]);
    expect(out.map((f) => [f.rule, f.severity, f.related?.map((r) => r.rule)])).toEqual([['context-fail-open', 'error', ['with-check-missing']]]);
  });
});

const SCENARIOS = new URL('../../fixtures/scenarios/', import.meta.url);

describe.each([
  // one bypass-setting policy and two fail-open policies, each also read-not-tenant-scoped on its table
  { scenario: 'f-superadmin-setting', folds: 3 },
  // nothing names a cause here: the collapsed findings are the findings
  { scenario: 'c-guc-app', folds: 0 },
])('collapsing the findings of scenario $scenario', ({ scenario, folds }) => {
  let db: TestDatabase;
  let raw: Finding[];
  beforeAll(async () => {
    db = await createTestDatabase({ setup: readFileSync(new URL(`${scenario}/schema.sql`, SCENARIOS), 'utf8') });
    const config: Config = { ...DEFAULT_CONFIG, schemas: ['public'] };
    raw = runRules(await ruleContext(db, config), rules, config);
  });
  afterAll(() => db?.close());

  it('keeps every surviving fingerprint and reports each folded finding inside a root', () => {
    const collapsed = collapseRootCauses(raw);
    expect(raw.length - collapsed.length).toBe(folds);
    const kept = collapsed.map((f) => f.fingerprint);
    expect(kept).toEqual(raw.map((f) => f.fingerprint).filter((fp) => kept.includes(fp)));
    const inside = collapsed.flatMap((f) => (f.related ?? []).map((r) => r.fingerprint));
    expect(new Set([...kept, ...inside])).toEqual(new Set(raw.map((f) => f.fingerprint)));
    if (folds === 0) expect(collapsed).toEqual(raw.map(({ causes: _c, impact: _i, rootCause: _r, ...f }) => f));
  });

  it('loses no error: every error folds into an error', () => {
    const collapsed = collapseRootCauses(raw);
    for (const root of collapsed) {
      if ((root.related ?? []).some((r) => r.severity === 'error')) expect(root.severity).toBe('error');
    }
  });
});
