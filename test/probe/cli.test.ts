/**
 * `tenantguard probe` and `audit --probe` (in-process CLI): the side-effect
 * warning, findings in the normal report, exit codes, refusing to guess the
 * app role, and never a clean exit when nothing, or not everything, was proven. The database is a server database on the server engine, a
 * migrations folder applied to the embedded engine otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirWith, emptyDir, runCli } from '../support/cli.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';
import { scenarioSql } from '../support/leak-scenarios.js';

/**
 * Tables the probe cannot prove anything about: one whose row level security
 * admits no row (isolation cannot be told apart from denial), one it cannot
 * seed (a domain type).
 */
const UNPROVABLE = `
CREATE TABLE notes (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, body text NOT NULL);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO app_user;
GRANT USAGE ON SEQUENCE notes_id_seq TO app_user;
CREATE DOMAIN cents AS integer CHECK (VALUE >= 0);
CREATE TABLE refunds (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, amount cents NOT NULL);
ALTER TABLE refunds ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON refunds TO app_user;
`;

type Report = { findings: { rule: string; severity: string; object: { name: string }; message: string }[]; summary: { error: number } };

describe('probe (CLI)', { timeout: 240_000 }, () => {
  let db: TestDatabase | null = null;
  let cwd: string;
  let source: string[];
  let role: string;

  beforeAll(async () => {
    const sql = `CREATE ROLE app_user;\n${scenarioSql('isolated')}\n${scenarioSql('insert-check-true')}\n${UNPROVABLE}`;
    if (engine === 'server') {
      db = await createTestDatabase({ setup: sql });
      [cwd, source, role] = [await emptyDir(), ['--db', db.url!], db.role('app_user')];
    } else {
      [cwd, source, role] = [await dirWith({ 'migrations/0001_init.sql': sql }), ['--migrations', 'migrations'], 'app_user'];
    }
  });
  afterAll(() => db?.close());

  const tables = (...names: string[]) => names.flatMap((name) => ['--table', name]);
  const ISOLATION_TABLES = tables('projects', 'tasks', 'comments', 'invoices');

  it('reports the leak as a finding, warns about triggers and sequences, and exits 1', async () => {
    const run = await runCli(['probe', ...source, '--app-role', role, ...ISOLATION_TABLES, '--format', 'json'], { cwd });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^warning: the probe inserts, updates and deletes rows inside a transaction that is always rolled back; BEFORE and AFTER row triggers/);
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
    const run = await runCli(['audit', ...source, '--app-role', role, '--probe', '--allow-inconclusive', '--format', 'json', '--fail-on', 'never'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const rules = (JSON.parse(run.stdout) as Report).findings.map((f) => f.rule);
    expect(rules).toContain('probe-cross-tenant-write');
    expect(rules.some((r) => !r.startsWith('probe-'))).toBe(true);
    expect(run.stderr).toContain('warning: the probe');
  });

  it('exits 2, after the report, when a check was inconclusive; --allow-inconclusive exits on the findings', async () => {
    const run = await runCli(['probe', ...source, '--app-role', role, ...tables('notes', 'projects'), '--format', 'json'], { cwd });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("  inconclusive: public.notes: org A's own row is not visible with app.current_org_id =");
    expect(run.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'tenantguard: 1 probe check on 1 table was inconclusive (listed above)',
      'hint: fix what each line names, or pass --allow-inconclusive to exit on the findings alone',
    ]);
    // The report is still written, with the leak found elsewhere.
    expect((JSON.parse(run.stdout) as Report).findings.map((f) => f.object.name)).toEqual(['projects']);
    const allowed = await runCli(['probe', ...source, '--app-role', role, ...tables('notes', 'projects'), '--format', 'json', '--allow-inconclusive'], { cwd });
    expect(allowed.code, allowed.stderr).toBe(1);
    const audit = await runCli(['audit', ...source, '--app-role', role, '--probe', '--table', 'notes', '--fail-on', 'never'], { cwd });
    expect(audit.code, audit.stderr).toBe(2);
  });

  it('exits 2 with one line when no table could be probed, never 0', async () => {
    const run = await runCli(['probe', ...source, '--app-role', role, ...tables('refunds'), '--format', 'json'], { cwd });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/\ntenantguard: the probe checked no tenant table: public\.refunds: not probed, cannot seed: column "amount" has domain type (public\.)?cents[^\n]*\nhint: [^\n]+\n$/);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain('No tenant-isolation problems found');
  });

  it('refuses, exit 2, when the app role does not exist', async () => {
    const run = await runCli(['probe', ...source, '--format', 'json', '--app-role', 'no_such_role'], { cwd });
    expect(run.code).toBe(2);
    // A live database says the role does not exist; migrations say it is not
    // created by them, so its grants cannot be judged offline.
    expect(run.stderr).toMatch(
      engine === 'server'
        ? /\ntenantguard: the app role "no_such_role" does not exist in database/
        : /\ntenantguard: the app role "no_such_role" is not created by the migrations/,
    );
    expect(run.stdout).toBe('');
  });
});
