import { describe, expect, it } from 'vitest';
import { renderPretty, summaryLine, wrap } from '../../src/report/pretty.js';
import { cleanResult, collapsedResult, hostileResult, sampleResult } from './sample-results.js';

const ANSI = /\x1b\[[0-9;]*m/;
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('pretty report', () => {
  it('groups findings under their table, policies included, errors first', () => {
    const text = renderPretty(sampleResult, { color: false, verbose: true });
    const findings = text.slice(0, text.indexOf('By severity and rule:'));
    const headings = findings.split('\n').filter((line) => line !== '' && !line.startsWith(' '));
    expect(headings).toEqual(['public.projects', 'public.tasks']);
    const tasks = findings.slice(findings.indexOf('public.tasks\n'));
    const order = ['error    with-check-missing  policy tenant_write', 'warning  rls-not-forced', 'info     context-not-wrapped  policy tenant_read'];
    expect(order.map((line) => tasks.indexOf(line))).toEqual(order.map((line) => tasks.indexOf(line)).sort((a, b) => a - b));
    expect(order.every((line) => tasks.includes(line))).toBe(true);
  });

  it('puts objects with errors before objects with only warnings', () => {
    const warningFirst = { ...sampleResult, findings: [sampleResult.findings[2]!, sampleResult.findings[0]!] };
    const text = renderPretty(warningFirst, { color: false });
    expect(text.indexOf('public.projects\n')).toBeLessThan(text.indexOf('public.tasks\n'));
  });

  it('shows severity, rule id, message, fix title, migration location and docs link for each finding', () => {
    const text = renderPretty(sampleResult, { color: false });
    expect(text).toContain('  error    rls-disabled\n');
    expect(text).toContain('RLS is disabled on public.projects');
    expect(text).toContain('    fix: Enable and force RLS, then add a tenant policy\n');
    expect(text).toContain('    at: drizzle/0000_init.sql:12\n');
    expect(text).toContain('    docs: https://unpkg.com/tenantguard@0.1.0/docs/rules/rls-disabled.md\n');
    expect(text).toContain('  warning  rls-not-forced\n');
    // The fix SQL belongs to the JSON report and scaffold, not to the terminal summary.
    expect(text).not.toContain('ALTER TABLE');
  });

  it('counts info findings but lists them only with verbose', () => {
    const text = renderPretty(sampleResult, { color: false });
    expect(text).not.toContain('current_setting() is evaluated once per row.');
    expect(text).toContain('  info      context-not-wrapped (1)\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe('2 errors, 1 warning in 2 of 4 tables (3 tenant); 1 info hidden (--verbose)');
    const verbose = renderPretty(sampleResult, { color: false, verbose: true });
    expect(verbose).toContain('  info     context-not-wrapped  policy tenant_read\n    current_setting() is evaluated once per row.\n');
    expect(verbose.trimEnd().split('\n').at(-1)).toBe('2 errors, 1 warning in 2 of 4 tables (3 tenant); 1 info');
  });

  it('lists the consequences of a root cause under it, in short form unless verbose', () => {
    const text = renderPretty(collapsedResult, { color: false });
    expect(text).toContain(
      [
        '  error    policy-bypass-setting  policy tenant',
        '    policy "tenant" on public.projects: USING (… OR',
        "    current_setting('app.is_superadmin', true) = 'true') is true whenever a",
        '    session sets app.is_superadmin.',
        '    → app_user can SELECT, UPDATE and DELETE rows of any organization in',
        '      public.projects [read-not-tenant-scoped]',
        '    → app_user can INSERT rows for any organization into public.projects: policy',
        '      "tenant" WITH CHECK (…) [write-check-not-tenant-scoped]',
        '    at: migrations/0002_policies.sql:7',
      ].join('\n'),
    );
    const verbose = renderPretty(collapsedResult, { color: false, verbose: true });
    expect(verbose).toContain('    → app_user can SELECT, UPDATE and DELETE rows of any organization in\n      public.projects: policy "tenant" USING (…) [read-not-tenant-scoped]\n      at: migrations/0001_tables.sql:3\n');
  });

  it('prints a finding that says the same about several tables once, naming the others; verbose prints each', () => {
    const onTable = (table: string, fingerprint: string) => ({
      ...sampleResult.findings[0]!,
      object: { kind: 'table' as const, schema: 'public', name: table },
      message: `RLS is disabled on public.${table}: app_user reads every tenant’s rows.`,
      fix: { title: `Enable and force RLS on public.${table}`, sql: '…' },
      fingerprint,
    });
    const result = { ...sampleResult, findings: [onTable('invoices', 'f1'), onTable('projects', 'f2'), onTable('tasks', 'f3')] };
    const text = renderPretty(result, { color: false });
    expect(text.match(/RLS is disabled on/g)).toHaveLength(1);
    expect(text).toContain('    also on: public.projects, public.tasks\n');
    expect(text).toContain('  1. table public.invoices: rls-disabled (also on 2 more tables)\n');
    expect(renderPretty(result, { color: false, verbose: true }).match(/RLS is disabled on/g)).toHaveLength(3);
  });

  it('closes with counts by severity and rule and the objects to fix first', () => {
    const text = renderPretty(collapsedResult, { color: false });
    const summary = text.slice(text.indexOf('By severity and rule:'));
    expect(summary).toBe(
      [
        'By severity and rule:',
        '  errors    policy-bypass-setting (1)',
        '  warnings  unique-not-tenant-scoped (1)',
        '  info      context-not-wrapped (1)',
        'Fix first:',
        '  1. policy public.projects.tenant: policy-bypass-setting (explains 2 more',
        '     findings)',
        '  2. constraint public.projects.projects_slug_key: unique-not-tenant-scoped',
        '1 error, 1 warning in 1 of 3 tables (2 tenant); 1 info hidden (--verbose)',
        '',
      ].join('\n'),
    );
  });

  it('is plain without colour and coloured with it, with the same text', () => {
    const plain = renderPretty(sampleResult, { color: false });
    const coloured = renderPretty(sampleResult, { color: true });
    expect(plain).not.toMatch(ANSI);
    expect(coloured).toMatch(ANSI);
    expect(stripAnsi(coloured)).toBe(plain);
  });

  it('fits 80 columns except for unbreakable words such as URLs', () => {
    const long = {
      ...sampleResult,
      findings: [...sampleResult.findings, ...collapsedResult.findings].map((f) => ({ ...f, message: `${f.message} `.repeat(6).trim() })),
    };
    for (const line of renderPretty(long, { color: false, verbose: true }).split('\n')) {
      if (line.length > 80) expect(line.trim()).toMatch(/^docs: https:\/\/\S+$/);
    }
  });

  it('quotes names the way psql shows them', () => {
    const text = renderPretty(hostileResult, { color: false });
    expect(text).toContain('"Sch""ema"."Order Items"');
    expect(text).toContain('public."a""b"');
  });

  it('says so when there is nothing to report', () => {
    const text = renderPretty(cleanResult, { color: false });
    expect(text).toBe('No tenant-isolation problems found.\n0 errors, 0 warnings in 0 of 4 tables (3 tenant)\n');
  });
});

describe('summary line', () => {
  it('counts tables with errors or warnings, singular and plural', () => {
    const one = {
      ...sampleResult,
      findings: sampleResult.findings.slice(0, 1),
      summary: { error: 1, warning: 0, info: 0, tables: 4, tenantTables: 1 },
    };
    expect(summaryLine(one)).toBe('1 error, 0 warnings in 1 of 4 tables (1 tenant)');
  });
});

describe('wrap', () => {
  it('breaks on spaces within the width and keeps long words whole', () => {
    expect(wrap('aaa bbb ccc', '  ', 9)).toEqual(['  aaa bbb', '  ccc']);
    expect(wrap('x '.repeat(3) + 'y'.repeat(20), '', 10)).toEqual(['x x x', 'y'.repeat(20)]);
    expect(wrap('one\ntwo', '- ')).toEqual(['- one', '- two']);
  });
});
