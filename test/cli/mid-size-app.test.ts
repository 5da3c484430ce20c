/**
 * A mid-size Drizzle app in twenty migrations (fixtures/apps/drizzle-saas):
 * ten tenant tables, one bypass policy copied onto three of them by a schema
 * helper, two tables without RLS, the tenant root open to the app, a GRANT ALL,
 * natural and global unique keys. The report must lead with the few things
 * that matter and say nothing twice: one finding per root cause, the same
 * finding on several tables printed once, info counted but not listed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const root = join(import.meta.dirname, '..', '..');
const args = ['audit', '--migrations', 'fixtures/apps/drizzle-saas/drizzle', '--config', 'fixtures/apps/drizzle-saas/tenantguard.config.json'];

interface JsonFinding {
  rule: string;
  severity: string;
  object: { name: string; table?: string };
  related: { rule: string }[];
}

describe('the mid-size app', () => {
  it('reports each root cause once, its consequences inside it', async () => {
    const run = await runCli([...args, '--format', 'json'], { cwd: root });
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
    const errors = findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.object.table ?? f.object.name}`);
    expect(errors.sort()).toEqual([
      'policy-bypass-setting datasets',
      'policy-bypass-setting documents',
      'policy-bypass-setting projects',
      'rls-disabled attachments',
      'rls-disabled invitations',
      'root-table-rls-disabled organizations',
      'tenant-column-missing attachments',
    ]);
    for (const bypass of findings.filter((f) => f.rule === 'policy-bypass-setting')) {
      expect(bypass.related.map((r) => r.rule)).toEqual(['read-not-tenant-scoped', 'with-check-missing', 'write-check-not-tenant-scoped']);
    }
    // nothing reported twice: the consequences do not also stand on their own
    const consequences = new Set(['read-not-tenant-scoped', 'write-check-not-tenant-scoped', 'with-check-missing']);
    expect(findings.filter((f) => consequences.has(f.rule))).toEqual([]);
  });

  it('fits the default pretty report in one screen per real problem: 126 lines, down from 328', async () => {
    const run = await runCli(args, { cwd: root });
    const lines = run.stdout.trimEnd().split('\n');
    // six real problems (the bypass policy, two tables without RLS, the open root, TRUNCATE, the foreign keys and keys)
    expect(lines.length).toBeLessThanOrEqual(130);
    expect(run.stdout.match(/ current_setting\('app\.bypass_rls'::text, true\) = 'on'::text is true whenever/g)).toHaveLength(1);
    expect(run.stdout).toContain('    also on: public.documents, public.projects\n');
    expect(run.stdout).not.toMatch(/^ {2}info {5}\S/m);
    expect(lines.at(-1)).toBe('7 errors, 8 warnings in 6 of 12 tables (10 tenant); 9 info hidden (--verbose)');
    // errors first: every error block comes before the first warning-only table
    const firstWarningTable = lines.findIndex((l, i) => /^\S/.test(l) && lines[i + 1]?.startsWith('  warning'));
    const lastError = lines.map((l, i) => (/^ {2}error {4}\S/.test(l) ? i : -1)).reduce((a, b) => Math.max(a, b));
    expect(lastError).toBeLessThan(firstWarningTable);
  });

  it('lists everything with --verbose', async () => {
    const run = await runCli([...args, '--verbose'], { cwd: root });
    expect(run.stdout.match(/ current_setting\('app\.bypass_rls'::text, true\) = 'on'::text is true whenever/g)).toHaveLength(3);
    expect(run.stdout).toMatch(/^ {2}info {5}context-not-wrapped/m);
  });
});
