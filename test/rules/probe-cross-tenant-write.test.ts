/**
 * probe-cross-tenant-write reports nothing from the catalog alone; with a
 * probe's evidence it reports the writes that crossed organizations: here a
 * FOR ALL policy whose fallback check ignores the tenant column (org A moves
 * its task into org B), and a table the app role owns without FORCE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { probeDatabase } from '../../src/probe/probe.js';
import { withProbeEvidence } from '../../src/probe/problems.js';
import rule from '../../src/rules/probe-cross-tenant-write.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { scenarioSql } from '../support/leak-scenarios.js';

describe('probe-cross-tenant-write', () => {
  let db: TestDatabase;
  let context: RuleContext;

  beforeAll(async () => {
    db = await createTestDatabase({
      setup: `CREATE ROLE app_user; ${scenarioSql('isolated')} ${scenarioSql('fallback-check-misses-tenant')}
        ALTER TABLE invoices OWNER TO app_user; ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY;`,
    });
    const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: ['public'] };
    context = await buildRuleContext(await introspect(db.client, { schemas: ['public'] }), config);
  });
  afterAll(() => db?.close());

  it('reports nothing from the catalog alone', () => {
    expect(rule.check(context)).toEqual([]);
  });

  it('reports the writes that crossed organizations, with the statement, role and context', async () => {
    const report = await probeDatabase(db.client, context, { statementTimeoutMs: 10_000, lockTimeoutMs: 2_000, nonce: 'write' });
    const findings = runRules(context, withProbeEvidence([rule], context.tenancy, report), context.config);
    const byTable = (name: string) => findings.filter((f) => f.object.name === name).map((f) => f.message.split(' ')[0]);
    expect(byTable('tasks')).toEqual(['UPDATE']);
    const move = findings.find((f) => f.object.name === 'tasks')!;
    expect(move.message).toMatch(new RegExp(`^UPDATE as ${db.role('app_user')} with app\\.current_org_id = '[0-9a-f-]{36}' moved org A's row \\{.*\\} into org B \\(statement: UPDATE "public"\\."tasks" SET "organization_id" = '[0-9a-f-]{36}' WHERE tableoid OPERATOR\\(pg_catalog\\.=\\) `));
    // The owner without FORCE: every write crosses, and TRUNCATE is an owner's privilege.
    expect(byTable('invoices').sort()).toEqual(['DELETE', 'INSERT', 'TRUNCATE', 'UPDATE', 'UPDATE']);
    expect(findings.every((f) => f.rule === rule.id && f.severity === 'error' && f.docs === 'docs/rules/probe-cross-tenant-write.md')).toBe(true);
  });
});
