/**
 * `--format gitlab`: GitLab's Code Quality report. Checked against the
 * fields GitLab requires of each issue (its Code Quality documentation),
 * on fixed results and on a real audit of the example app.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderGitlab } from '../../src/report/gitlab.js';
import { runCli } from '../support/cli.js';
import { cleanResult, collapsedResult, hostileResult, sampleResult } from './sample-results.js';

const root = join(import.meta.dirname, '..', '..');

/** What GitLab reads from a Code Quality artifact: an array of issues with these fields. */
const codeQualitySchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      type: { const: 'issue' },
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      categories: { type: 'array', items: { type: 'string' } },
      content: { type: 'object', required: ['body'], properties: { body: { type: 'string' } } },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        properties: {
          path: { type: 'string', minLength: 1, not: { pattern: '^/' } },
          lines: { type: 'object', required: ['begin'], properties: { begin: { type: 'integer', minimum: 1 } } },
        },
      },
    },
  },
};
const validate = new Ajv({ allErrors: true }).compile(codeQualitySchema);

function expectValid(text: string): { fingerprint: string; severity: string; check_name: string; location: { path: string; lines: { begin: number } } }[] {
  const issues = JSON.parse(text);
  expect(validate(issues), JSON.stringify(validate.errors)).toBe(true);
  // GitLab matches issues between the base and the merge request by fingerprint: one per issue.
  const fingerprints = issues.map((issue: { fingerprint: string }) => issue.fingerprint);
  expect(new Set(fingerprints).size).toBe(fingerprints.length);
  return issues;
}

describe('renderGitlab', () => {
  it('one valid issue per finding: rule, severity on GitLab scale, migration line or anchor', () => {
    const issues = expectValid(renderGitlab(sampleResult, { anchor: 'tenantguard.config.json' }));
    expect(issues.map((issue) => [issue.check_name, issue.severity, `${issue.location.path}:${issue.location.lines.begin}`])).toEqual(
      sampleResult.findings.map((f) => [
        f.rule,
        { error: 'critical', warning: 'major', info: 'info' }[f.severity],
        f.location ? `${f.location.file}:${f.location.line}` : 'tenantguard.config.json:1',
      ]),
    );
    expect(issues.map((issue) => issue.fingerprint)).toEqual(sampleResult.findings.map((f) => f.fingerprint));
  });

  it('lists consequences, the fix and the docs in the body; keeps hostile names as exact JSON text', () => {
    const [root] = JSON.parse(renderGitlab(collapsedResult, { anchor: 'x.sql', docsBaseUrl: 'https://docs.example/' })) as { content: { body: string } }[];
    expect(root!.content.body).toContain('Because of this:\n- read-not-tenant-scoped on public.projects');
    expect(root!.content.body).toContain('Docs: https://docs.example/');
    expectValid(renderGitlab(hostileResult, { anchor: 'x.sql' }));
  });

  it('a clean audit is an empty array', () => {
    expect(JSON.parse(renderGitlab(cleanResult))).toEqual([]);
  });
});

describe('tenantguard audit --format gitlab', () => {
  it('writes a valid Code Quality report for the example app, every path a repository file', async () => {
    const run = await runCli(
      ['audit', '--migrations', 'fixtures/example-app/drizzle', '--config', 'fixtures/example-app/tenantguard.config.json', '--format', 'gitlab'],
      { cwd: root },
    );
    expect(run.code, run.stderr).toBe(1);
    const issues = expectValid(run.stdout);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.some((issue) => issue.severity === 'critical')).toBe(true);
    for (const issue of issues) expect(existsSync(join(root, issue.location.path)), issue.location.path).toBe(true);
  });
});
