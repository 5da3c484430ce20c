/**
 * `tenantguard probe` and `audit --probe` (in-process CLI): the side-effect
 * warning, findings in the normal report, exit codes, and refusing to guess
 * the app role. The database is a server database on the server engine, a
 * migrations folder applied to the embedded engine otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirWith, emptyDir, runCli } from '../support/cli.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';
import { scenarioSql } from '../support/leak-scenarios.js';

type Report = { findings: { rule: string; severity: string; object: { name: string }; message: string }[]; summary: { error: number } };

describe('probe (CLI)', { timeout: 240_000 }, () => {
  let db: TestDatabase | null = null;
  let cwd: string;
  let source: string[];
  let role: string;

  beforeAll(async () => {
    const sql = `CREATE ROLE app_user;\n${scenarioSql('isolated')}\n${scenarioSql('insert-check-true')}`;
    if (engine === 'server') {
      db = await createTestDatabase({ setup: sql });
      [cwd, source, role] = [await emptyDir(), ['--db', db.url!], db.role('app_user')];
    } else {
      [cwd, source, role] = [await dirWith({ 'migrations/0001_init.sql': sql }), ['--migrations', 'migrations'], 'app_user'];
    }
  });
  afterAll(() => db?.close());

  it('reports the leak as a finding, warns about triggers and sequences, and exits 1', async () => {
    const run = await runCli(['probe', ...source, '--app-role', role, '--format', 'json'], { cwd });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^warning: the probe inserts, updates and deletes rows inside a transaction that is always rolled back; BEFORE triggers/);
    expect(run.stderr).toContain('sequences advance');
    expect(run.stderr).toContain(`Probed 4 tenant tables as ${role}; rolled back`);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.map((f) => `${f.object.name} ${f.rule} ${f.message.split(' ')[0]}`)).toEqual(['projects probe-cross-tenant-write INSERT']);
    expect(report.findings[0]!.message).toContain('stored a new row for org B (statement: INSERT INTO "public"."projects"');
  });

  it('--table limits the probe, and a clean table exits 0', async () => {
    const run = await runCli(['probe', ...source, '--app-role', role, '--table', 'tasks', '--format', 'json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Report).findings).toEqual([]);
    expect(run.stderr).toContain(`Probed 1 tenant table as ${role}; rolled back`);
  });

  it('audit --probe adds the probe findings to the audit', async () => {
    const run = await runCli(['audit', ...source, '--app-role', role, '--probe', '--format', 'json', '--fail-on', 'never'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const rules = (JSON.parse(run.stdout) as Report).findings.map((f) => f.rule);
    expect(rules).toContain('probe-cross-tenant-write');
    expect(rules.some((r) => !r.startsWith('probe-'))).toBe(true);
    expect(run.stderr).toContain('warning: the probe');
  });

  it('refuses, exit 2, when the app role does not exist', async () => {
    const run = await runCli(['probe', ...source, '--format', 'json', '--app-role', 'no_such_role'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tenantguard: role "no_such_role" does not exist in this database');
    expect(run.stdout).toBe('');
  });
});
