import { describe, expect, it } from 'vitest';
import { renderPretty, summaryLine, wrap } from '../../src/report/pretty.js';
import { cleanResult, hostileResult, sampleResult } from './sample-results.js';

const ANSI = /\x1b\[[0-9;]*m/;
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('pretty report', () => {
  it('groups findings under their table, policies included, in result order', () => {
    const text = renderPretty(sampleResult, { color: false });
    const headings = text.split('\n').filter((line) => line !== '' && !line.startsWith(' '));
    expect(headings).toEqual(['public.projects', 'public.tasks', '2 errors, 1 warning in 2 of 3 tenant tables (1 info)']);
    const tasks = text.slice(text.indexOf('public.tasks\n'));
    expect(tasks).toContain('with-check-missing  policy tenant_write');
    expect(tasks).toContain('rls-not-forced');
    expect(tasks).toContain('context-not-wrapped  policy tenant_read');
  });

  it('shows severity, rule id, message, fix title, migration location and docs link for each finding', () => {
    const text = renderPretty(sampleResult, { color: false });
    expect(text).toContain('  error    rls-disabled\n');
    expect(text).toContain('RLS is disabled on public.projects');
    expect(text).toContain('    fix: Enable and force RLS, then add a tenant policy\n');
    expect(text).toContain('    at: drizzle/0000_init.sql:12\n');
    expect(text).toContain('    docs: https://unpkg.com/tenantguard@0.1.0/docs/rules/rls-disabled.md\n');
    expect(text).toContain('  warning  rls-not-forced\n');
    expect(text).toContain('  info     context-not-wrapped');
    // The fix SQL belongs to the JSON report and scaffold, not to the terminal summary.
    expect(text).not.toContain('ALTER TABLE');
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
      findings: sampleResult.findings.map((f) => ({ ...f, message: `${f.message} `.repeat(6).trim() })),
    };
    for (const line of renderPretty(long, { color: false }).split('\n')) {
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
    expect(text).toBe('No tenant-isolation problems found.\n0 errors, 0 warnings in 0 of 3 tenant tables\n');
  });
});

describe('summary line', () => {
  it('counts tables with errors or warnings, singular and plural', () => {
    const one = {
      ...sampleResult,
      findings: sampleResult.findings.slice(0, 1),
      summary: { error: 1, warning: 0, info: 0, tables: 4, tenantTables: 1 },
    };
    expect(summaryLine(one)).toBe('1 error, 0 warnings in 1 of 1 tenant table');
  });
});

describe('wrap', () => {
  it('breaks on spaces within the width and keeps long words whole', () => {
    expect(wrap('aaa bbb ccc', '  ', 9)).toEqual(['  aaa bbb', '  ccc']);
    expect(wrap('x '.repeat(3) + 'y'.repeat(20), '', 10)).toEqual(['x x x', 'y'.repeat(20)]);
    expect(wrap('one\ntwo', '- ')).toEqual(['- one', '- two']);
  });
});
