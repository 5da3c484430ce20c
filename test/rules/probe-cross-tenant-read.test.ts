/**
 * probe-cross-tenant-read reports nothing from the catalog alone; with a
 * probe's evidence it reports each read that crossed organizations, with
 * fingerprints that do not change between runs (the evidence's ids do).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { probeDatabase } from '../../src/probe/probe.js';
import { withProbeEvidence } from '../../src/probe/problems.js';
import rule from '../../src/rules/probe-cross-tenant-read.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { scenarioSql } from '../support/leak-scenarios.js';

describe('probe-cross-tenant-read', () => {
  let db: TestDatabase;
  let context: RuleContext;
  const probe = (nonce: string) => probeDatabase(db.client, context, { statementTimeoutMs: 10_000, lockTimeoutMs: 2_000, nonce });

  beforeAll(async () => {
    db = await createTestDatabase({ setup: `CREATE ROLE app_user; ${scenarioSql('isolated')} ${scenarioSql('select-using-true')}` });
    const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: ['public'] };
    context = await buildRuleContext(await introspect(db.client, { schemas: ['public'] }), config);
  });
  afterAll(() => db?.close());

  it('reports nothing from the catalog alone', () => {
    expect(rule.check(context)).toEqual([]);
  });

  it('reports each read that returned another organization\'s row, with the evidence', async () => {
    const report = await probe('first');
    const findings = runRules(context, withProbeEvidence([rule], context.tenancy, report), context.config);
    expect(findings.every((f) => f.rule === 'probe-cross-tenant-read' && f.severity === 'error')).toBe(true);
    expect(findings.map((f) => f.object)).toEqual(Array(3).fill({ kind: 'table', schema: 'public', name: 'projects' }));
    const withContext = findings.find((f) => f.message.includes("returned org B's row") && !f.message.includes("org A's row"))!;
    expect(withContext.message).toMatch(new RegExp(`^SELECT as ${db.role('app_user')} with app\\.current_org_id = '[0-9a-f-]{36}' returned org B's row \\{"id": `));
    expect(withContext.message).toContain('(statement: SELECT tableoid::pg_catalog.int8::pg_catalog.text, ctid::pg_catalog.text FROM "public"."projects" WHERE (tableoid OPERATOR(pg_catalog.=) ');
    expect(findings.some((f) => f.message.includes('with no app.current_org_id set returned org A\'s row'))).toBe(true);
    expect(findings.some((f) => f.message.includes("with app.current_org_id = '' returned org A's row"))).toBe(true);
    expect(findings[0]!.docs).toBe('docs/rules/probe-cross-tenant-read.md');
  });

  it('keeps fingerprints across runs and honours ignore entries', async () => {
    const [one, two] = [await probe('one'), await probe('two')];
    const prints = (r: typeof one) => runRules(context, withProbeEvidence([rule], context.tenancy, r), context.config).map((f) => f.fingerprint);
    expect(prints(one)).toEqual(prints(two));
    const ignoring = { ...context.config, ignore: [{ rule: rule.id, object: 'public.projects', reason: 'support console' }] };
    expect(runRules(context, withProbeEvidence([rule], context.tenancy, one), ignoring)).toEqual([]);
  });
});
