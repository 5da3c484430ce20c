import { describe, expect, it } from 'vitest';
import { escapeCommandData, escapeCommandProperty, renderGithub } from '../../src/report/github.js';
import { cleanResult, collapsedResult, hostileResult, sampleResult } from './sample-results.js';

/** Splits a workflow command back into its parts, undoing the toolkit's escaping. */
function parseCommand(line: string) {
  const m = /^::(\w+) ([^:]*)::(.*)$/.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const unescape = (s: string) =>
    s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const properties = Object.fromEntries(
    m[2]!.split(',').map((p) => {
      const eq = p.indexOf('=');
      return [p.slice(0, eq), unescape(p.slice(eq + 1))];
    }),
  );
  return { command: m[1]!, properties, message: unescape(m[3]!) };
}

describe('renderGithub', () => {
  it('lists the consequences of a root cause inside its annotation', () => {
    const root = parseCommand(renderGithub(collapsedResult).split('\n')[0]!);
    expect(root.message).toContain(
      'Because of this:\n- read-not-tenant-scoped on public.projects: app_user can SELECT, UPDATE and DELETE rows of any organization in public.projects\n' +
        '- write-check-not-tenant-scoped on public.projects: app_user can INSERT rows',
    );
  });

  it('matches the snapshot', async () => {
    await expect(renderGithub(sampleResult, { anchor: 'tenantguard.config.json' })).toMatchFileSnapshot(
      '__snapshots__/sample.github.txt',
    );
  });

  it('emits one annotation per finding, by severity, at the migration line or the anchor', () => {
    const lines = renderGithub(sampleResult, { anchor: 'tenantguard.config.json' }).trimEnd().split('\n');
    expect(lines).toHaveLength(sampleResult.findings.length + 1);
    const commands = lines.slice(0, -1).map(parseCommand);
    expect(commands.map((c) => c.command)).toEqual(['error', 'error', 'warning', 'notice']);
    expect(commands[0]!.properties).toEqual({ file: 'drizzle/0000_init.sql', line: '12', title: 'rls-disabled: public.projects' });
    expect(commands[2]!.properties.file).toBe('tenantguard.config.json');
    expect(commands[0]!.message).toContain('Fix: Enable and force RLS');
    expect(lines.at(-1)).toBe('tenantguard: 2 errors, 1 warning, 1 info in 4 tables (3 tenant)');
  });

  it('omits file and line when there is neither location nor anchor', () => {
    const line = renderGithub(sampleResult).split('\n')[2]!;
    expect(parseCommand(line).properties).toEqual({ title: 'rls-not-forced: public.tasks' });
  });

  it('escapes hostile names so each finding stays one intact command', () => {
    const lines = renderGithub(hostileResult).trimEnd().split('\n');
    expect(lines).toHaveLength(hostileResult.findings.length + 1);
    for (const [i, line] of lines.slice(0, -1).entries()) {
      const finding = hostileResult.findings[i]!;
      const { properties, message } = parseCommand(line);
      expect(message.startsWith(`${finding.message}\n`)).toBe(true);
      expect(properties.title).toContain(finding.rule);
      if (finding.location) expect(properties.file).toBe(finding.location.file);
    }
  });

  it('escapes per the toolkit rules', () => {
    expect(escapeCommandData('50% a\r\nb: c, d')).toBe('50%25 a%0D%0Ab: c, d');
    expect(escapeCommandProperty('50% a\r\nb: c, d')).toBe('50%25 a%0D%0Ab%3A c%2C d');
  });

  it('prints only the summary when there is nothing to annotate', () => {
    expect(renderGithub(cleanResult)).toBe('tenantguard: 0 errors, 0 warnings, 0 info in 4 tables (3 tenant)\n');
  });
});
