import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, runRules } from '../../src/check/run-rules.js';
import { summarize } from '../../src/check/summary.js';
import type { Finding } from '../../src/check/types.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/types.js';
import { defineRule } from '../../src/rules/define-rule.js';
import rlsDisabled from '../../src/rules/rls-disabled.js';
import rlsNotForced from '../../src/rules/rls-not-forced.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE SCHEMA alpha;
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE alpha.projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects);
  CREATE TABLE "Order Items" (organization_id int NOT NULL);
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
  CREATE POLICY p_b ON notes FOR SELECT USING (true);
  CREATE POLICY p_a ON notes FOR ALL USING (true);
`;

/** A rule that reports every policy twice (two keys), with a message that changes whenever the table is recreated. */
const policyProbe = defineRule({
  id: 'policy-probe',
  title: 'test rule',
  defaultSeverity: 'warning',
  description: 'reports policies',
  check: ({ tenancy }) =>
    tenancy.tenantTables.flatMap(({ table }) =>
      table.policies.flatMap((policy) =>
        ['write', 'read'].map((key) => ({
          object: { kind: 'policy' as const, schema: table.schema, name: policy.name, table: table.name },
          message: `policy on table oid ${table.oid}`,
          key,
        })),
      ),
    ),
});

const RULES = [rlsNotForced, policyProbe, rlsDisabled];
const summary = (findings: Finding[]) => findings.map((f) => [f.object.schema, f.object.table ?? f.object.name, f.rule, f.object.name, f.severity]);

describe('runRules', () => {
  let db: TestDatabase;
  let ctx: RuleContext;
  const config = (overrides: Partial<Config> = {}): Config => ({ ...DEFAULT_CONFIG, schemas: ['alpha', 'public'], ...overrides });

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
    ctx = await ruleContext(db, config());
  });
  afterAll(() => db?.close());

  it('stamps severity, docs and fix, sorted by schema, table, rule, object name and key', () => {
    const findings = runRules(ctx, RULES, config());
    expect(summary(findings)).toEqual([
      // no role but the owner reaches these tables: RLS off is a latent hole (the problem's own severity)
      ['alpha', 'projects', 'rls-disabled', 'projects', 'warning'],
      ['public', 'Order Items', 'rls-disabled', 'Order Items', 'warning'],
      ['public', 'notes', 'policy-probe', 'p_a', 'warning'],
      ['public', 'notes', 'policy-probe', 'p_a', 'warning'],
      ['public', 'notes', 'policy-probe', 'p_b', 'warning'],
      ['public', 'notes', 'policy-probe', 'p_b', 'warning'],
      ['public', 'notes', 'rls-not-forced', 'notes', 'warning'], // the problem's own severity
      ['public', 'projects', 'rls-disabled', 'projects', 'warning'],
      ['public', 'tasks', 'rls-disabled', 'tasks', 'warning'],
    ]);
    const probe = findings.filter((f) => f.rule === 'policy-probe' && f.object.name === 'p_a');
    expect(probe.map((f) => f.fingerprint)).toEqual(['read', 'write'].map((key) => fingerprint('policy-probe', probe[0]!.object, key)));
    expect(findings[0]).toMatchObject({ docs: 'docs/rules/rls-disabled.md', fix: { title: expect.stringContaining('alpha.projects') } });
    expect(probe[0]!.fix).toBeNull();
  });

  it('applies config severities over the problem and the rule, and skips rules that are off', () => {
    const findings = runRules(ctx, RULES, config({ rules: { 'rls-not-forced': 'error', 'policy-probe': 'off', 'rls-disabled': 'info' } }));
    expect(summary(findings).map(([, table, rule, , severity]) => `${table} ${rule} ${severity}`)).toEqual([
      'projects rls-disabled info',
      'Order Items rls-disabled info',
      'notes rls-not-forced error',
      'projects rls-disabled info',
      'tasks rls-disabled info',
    ]);
  });

  it('drops findings an ignore entry names: schema.table, schema.table.policy, a bare name, a quoted name', () => {
    const ignore = (rule: string, object: string) => ({ rule, object, reason: 'test' });
    const run = (...entries: ReturnType<typeof ignore>[]) =>
      runRules(ctx, RULES, config({ ignore: entries })).map((f) => `${f.rule} ${f.object.schema}.${f.object.table ?? ''}.${f.object.name}`);
    const all = run();
    expect(all.length - run(ignore('rls-disabled', 'public.projects')).length).toBe(1);
    expect(run(ignore('rls-disabled', 'public.projects'))).toContain('rls-disabled alpha..projects');
    expect(all.length - run(ignore('rls-disabled', 'projects')).length).toBe(2);
    expect(all.length - run(ignore('rls-disabled', 'public."Order Items"')).length).toBe(1);
    expect(all.length - run(ignore('rls-disabled', 'public.Order Items')).length).toBe(1);
    expect(all.length - run(ignore('policy-probe', 'public.notes.p_a')).length).toBe(2);
    expect(all.length - run(ignore('policy-probe', 'public.notes')).length).toBe(4); // a table covers its policies
    expect(all.length - run(ignore('policy-probe', 'p_b')).length).toBe(2);
    expect(run(ignore('rls-not-forced', 'public.projects'))).toEqual(all); // right object, wrong rule
  });

  it('fingerprints ignore oids, messages and order: the same after rule and table reordering and a table rebuild', async () => {
    const key = (findings: Finding[]) => findings.map((f) => `${f.rule}:${f.object.table ?? ''}.${f.object.name}:${f.fingerprint}`).sort();
    const before = runRules(ctx, RULES, config());
    expect(before.every((f) => /^[0-9a-f]{16}$/.test(f.fingerprint))).toBe(true);
    expect(new Set(before.map((f) => f.fingerprint)).size).toBe(before.length);
    const reordered: RuleContext = { ...ctx, catalog: { ...ctx.catalog, tables: [...ctx.catalog.tables].reverse() } };
    expect(runRules(reordered, [...RULES].reverse(), config())).toEqual(before);
    const rebuilt = await ruleContextAfter(db, `
      DROP TABLE notes;
      CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY p_a ON notes FOR ALL USING (true);
      CREATE POLICY p_b ON notes FOR SELECT USING (true);`, config());
    const after = runRules(rebuilt, RULES, config());
    expect(after.find((f) => f.rule === 'policy-probe')!.message).not.toBe(before.find((f) => f.rule === 'policy-probe')!.message);
    expect(key(after)).toEqual(key(before));
  });

  it('summarizes counts, tables and tenant tables', () => {
    const findings = runRules(ctx, RULES, config());
    expect(summarize(findings, ctx)).toEqual({ error: 0, warning: 9, info: 0, tables: 6, tenantTables: 5 });
  });
});
