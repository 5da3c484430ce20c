import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.js';
import { parseXml, type XmlElement } from '../support/xml.js';
import { cleanResult, hostileNames, hostileResult, collapsedResult, sampleResult } from './sample-results.js';

const cases = (suite: XmlElement) => suite.children.filter((c) => c.name === 'testcase');

describe('renderJunit', () => {
  it('matches the snapshot', async () => {
    await expect(renderJunit(sampleResult)).toMatchFileSnapshot('__snapshots__/sample.junit.xml');
  });

  it('has one suite per rule and one failing testcase per finding, with consistent counts', () => {
    const root = parseXml(renderJunit(sampleResult));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '4', failures: '4' });
    const suites = root.children;
    expect(suites.map((s) => s.attributes.name)).toEqual(['context-not-wrapped', 'rls-disabled', 'rls-not-forced', 'with-check-missing']);
    for (const suite of suites) {
      expect(Number(suite.attributes.tests)).toBe(cases(suite).length);
      expect(Number(suite.attributes.failures)).toBe(cases(suite).filter((c) => c.children[0]?.name === 'failure').length);
    }
    const projects = cases(suites[1]!)[0]!;
    expect(projects.attributes).toMatchObject({ classname: 'tenantguard.rls-disabled', name: 'table public.projects', file: 'drizzle/0000_init.sql', line: '12' });
    expect(projects.children[0]!.attributes.type).toBe('error');
    expect(projects.children[0]!.text).toContain('ALTER TABLE public.projects FORCE ROW LEVEL SECURITY;');
  });

  it('lists the consequences of a root cause in its failure text', () => {
    const xml = renderJunit(collapsedResult);
    expect(xml).toContain('Because of this:\n- read-not-tenant-scoped on public.projects: app_user can SELECT');
    expect(xml.match(/<testcase /g)).toHaveLength(collapsedResult.findings.length);
  });

  it('is one passing testcase when there are no findings', () => {
    const root = parseXml(renderJunit(cleanResult));
    expect(root.attributes).toMatchObject({ tests: '1', failures: '0' });
    const only = cases(root.children[0]!);
    expect(only).toHaveLength(1);
    expect(only[0]!.children).toEqual([]);
  });

  it('stays well-formed with hostile names, and every name survives the round trip', () => {
    const root = parseXml(renderJunit(hostileResult));
    const testcases = root.children.flatMap(cases);
    expect(testcases).toHaveLength(hostileNames.length);
    // XML 1.0 cannot carry U+0007 at all, so it is shown as \x07; everything else is exact.
    const visible = (s: string) => s.replace(/\u0007/g, '\\x07');
    const messages = testcases.map((c) => c.children[0]!.attributes.message);
    for (const name of hostileNames) {
      expect(messages).toContain(visible(`RLS is disabled on ${name}.`));
      const failure = testcases.find((c) => c.children[0]!.attributes.message === visible(`RLS is disabled on ${name}.`))!;
      expect(failure.children[0]!.text).toContain(visible(`Fix ${name}`));
    }
  });

  it('rejects what a parser would reject (the checker itself can fail)', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a x="<"/>')).toThrow();
    expect(() => parseXml('<a>\u0007</a>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
  });
});
