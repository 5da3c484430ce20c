/**
 * The probe held to the leak matrix of fixtures/leaks: nothing reported on
 * the isolated schema, every planted leak reported on its table with the
 * command that leaked, and every table's row count unchanged afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { probeDatabase, type ProbeReport } from '../../src/probe/probe.js';
import { withProbeEvidence } from '../../src/probe/problems.js';
import probeRead from '../../src/rules/probe-cross-tenant-read.js';
import probeWrite from '../../src/rules/probe-cross-tenant-write.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { applyLeakScenarios, LEAK_SCENARIOS } from '../support/leak-scenarios.js';

const COMMANDS: Record<string, string> = {
  select: 'SELECT',
  'select-without-context': 'SELECT',
  'select-empty-context': 'SELECT',
  'select-bypass-setting': 'SELECT',
  'update-other-org': 'UPDATE',
  'delete-other-org': 'DELETE',
  'insert-for-other-org': 'INSERT',
  'move-to-other-org': 'UPDATE',
  truncate: 'TRUNCATE',
};

async function rowCounts(db: TestDatabase): Promise<Record<string, number>> {
  const { rows } = await db.client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  const counts: Record<string, number> = {};
  for (const { schema, name } of rows) {
    const q = `SELECT count(*)::int AS n FROM "${schema}"."${name}"`;
    counts[`${schema}.${name}`] = (await db.client.query<{ n: number }>(q)).rows[0]!.n;
  }
  return counts;
}

describe('probe on the leak matrix', () => {
  let db: TestDatabase;
  const reports = new Map<string, { report: ProbeReport; context: RuleContext }>();
  let before: Record<string, number>;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLeakScenarios(db);
    before = await rowCounts(db);
    for (const scenario of LEAK_SCENARIOS) {
      const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: [scenario.schema] };
      const context = await buildRuleContext(await introspect(db.client, { schemas: config.schemas }), config);
      const report = await probeDatabase(db.client, context, { statementTimeoutMs: 10_000, lockTimeoutMs: 2_000, nonce: scenario.schema });
      reports.set(scenario.schema, { report, context });
    }
  }, 240_000);
  afterAll(() => db?.close());

  it('reports nothing on the isolated schema, and every check concluded', () => {
    const { report } = reports.get('isolated')!;
    expect(report.tablesProbed).toBe(4);
    expect(report.leaks.map((l) => `${l.case.table} ${l.check}`)).toEqual([]);
    expect(report.inconclusive).toEqual([]);
    expect(report.notes).toEqual([]);
  });

  for (const scenario of LEAK_SCENARIOS.filter((s) => s.table !== null)) {
    it(`reports ${scenario.name} on ${scenario.table}, through the command that leaks`, () => {
      const { report, context } = reports.get(scenario.schema)!;
      const table = `${scenario.schema}.${scenario.table}`;
      const onTable = report.leaks.filter((l) => l.case.table === table);
      expect(onTable.length).toBeGreaterThan(0);
      expect(onTable.some((l) => scenario.commands.includes(COMMANDS[l.check]!))).toBe(true);
      // The rest of the schema is still isolated (comments read tasks through their policy: the owner's bypass reaches them too).
      const elsewhere = report.leaks.filter((l) => l.case.table !== table && !(scenario.name === 'force-missing-app-owner' && l.case.table.endsWith('.comments')));
      expect(elsewhere.map((l) => `${l.case.table} ${l.check}`)).toEqual([]);

      // As findings: the probe rules, with the statement, the role and the context as evidence.
      const findings = runRules(context, withProbeEvidence([probeRead, probeWrite], context.tenancy, report), context.config);
      const finding = findings.find((f) => f.object.name === scenario.table);
      expect(finding?.rule).toMatch(/^probe-cross-tenant-(read|write)$/);
      expect(finding?.severity).toBe('error');
      expect(finding?.message).toContain(db.role('app_user'));
      expect(finding?.message).toMatch(/app\.current_org_id|TRUNCATE/);
      expect(finding?.message).toMatch(/\(statement: (SELECT|UPDATE|DELETE|INSERT|TRUNCATE) /);
    });
  }

  it('the superadmin switch is found through the setting, and only with it', () => {
    const { report } = reports.get('leak_superadmin_setting')!;
    expect(report.leaks.map((l) => l.check)).toEqual(['select-bypass-setting']);
    expect(report.leaks[0]!.context).toContain("app.is_superadmin = 'true'");
  });

  it('the fallback check is caught by moving a row, not by reads', () => {
    const { report } = reports.get('leak_fallback_check')!;
    expect(report.leaks.map((l) => l.check)).toEqual(['move-to-other-org']);
  });

  it('an UPDATE policy looser than SELECT shows only through a cursor (a WHERE clause adds the SELECT policies)', () => {
    const { report } = reports.get('leak_update_looser')!;
    expect(report.leaks.map((l) => l.key).sort()).toEqual(['move-to-other-org:at-cursor', 'update-other-org:at-cursor']);
    expect(report.leaks.every((l) => l.leaked.includes('through a cursor (WHERE CURRENT OF reads no column'))).toBe(true);
    expect(report.leaks.every((l) => / WHERE CURRENT OF tenantguard_(own|other)_\d+$/.test(l.statement))).toBe(true);
  });

  it('a cast bypass switch does not hide the write leaks of its table: they are found before the switch is tried', () => {
    const { report } = reports.get('leak_admin_switch_cast')!;
    expect(report.leaks.map((l) => l.key).sort()).toEqual(['insert-for-other-org', 'move-to-other-org:at-cursor', 'select-bypass-setting:app.is_admin']);
    expect(report.inconclusive).toEqual([]);
  });

  it('every scenario concluded: each check either passed or found its leak', () => {
    for (const scenario of LEAK_SCENARIOS) expect([scenario.schema, reports.get(scenario.schema)!.report.inconclusive]).toEqual([scenario.schema, []]);
  });

  it('leaves every table with the rows it had', async () => {
    expect(await rowCounts(db)).toEqual(before);
  });
});
