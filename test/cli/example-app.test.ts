/**
 * The bundled example app (fixtures/example-app, a Drizzle project) and its
 * deliberate flaws: the offline audit of its migrations finds exactly them,
 * `npm start` shows them without failing, and on the server engine the same
 * schema applied to a live database gives the same findings.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rules } from '../../src/rules/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { runCli } from '../support/cli.js';

const root = join(import.meta.dirname, '..', '..');
const app = join(root, 'fixtures', 'example-app');
const config = join(app, 'tenantguard.config.json');

/** The flaws the example app was written with (fixtures/example-app/README.md). */
const FLAWS = [
  // app_user owns the tables: without FORCE it is exempt from their policies (one root cause, reported on the role).
  'role-bypasses-rls error role app_user ← rls-not-forced table public.organization_members, rls-not-forced table public.projects',
  'rls-disabled error table public.invitations',
  // app_user owns organizations too, with RLS off: every organization's row is open to it
  'root-table-rls-disabled error table public.organizations',
  'with-check-missing warning policy public.projects.tenant_isolation',
  'rls-disabled error table public.tasks',
  'tenant-column-missing error table public.tasks',
];

/** Only the rules that exist can report: a flaw whose rule is not registered yet is not expected. */
const registered = new Set(rules.map((rule) => rule.id));
const expected = FLAWS.filter((flaw) => registered.has(flaw.split(' ')[0]!));

interface JsonObject {
  kind: string;
  schema: string | null;
  name: string;
  table?: string;
}

interface JsonFinding {
  rule: string;
  severity: string;
  object: JsonObject;
  related: { rule: string; object: JsonObject }[];
}

const describeObject = (object: JsonObject) =>
  `${object.kind} ${[object.schema, object.table, object.name].filter((part) => part != null).join('.')}`;

const describeFinding = ({ rule, severity, object, related }: JsonFinding) =>
  `${rule} ${severity} ${describeObject(object)}` +
  (related.length > 0 ? ` ← ${related.map((r) => `${r.rule} ${describeObject(r.object)}`).join(', ')}` : '');

/**
 * The example at the top of the README is this run, abridged: each stretch of
 * lines between `…` lines appears in the real output, in order, the first at
 * its start and the last at its end. Regenerate it from `npm start` when the
 * report changes.
 */
function expectReadmeExample(output: string): void {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```\n\$ npm start\n([^]*?)\n```/.exec(readme)?.[1];
  expect(block, 'README.md shows `$ npm start` and its output').toBeDefined();
  const actual = output.replace(/\n+$/, '').split('\n');
  const chunks = block!.split('\n…\n').map((chunk) => chunk.split('\n'));
  let at = 0;
  for (const [i, chunk] of chunks.entries()) {
    const found = actual.findIndex((_, start) => start >= at && chunk.every((line, k) => actual[start + k] === line));
    expect(found, `README example, part ${i + 1}, is not in the real output:\n${chunk.join('\n')}`).toBeGreaterThanOrEqual(at);
    if (i === 0) expect(found).toBe(0);
    if (i === chunks.length - 1) expect(found + chunk.length).toBe(actual.length);
    at = found + chunk.length;
  }
}

describe('example app', () => {
  it('its migrations, audited offline, show exactly its flaws', async () => {
    const run = await runCli(['audit', '--migrations', 'fixtures/example-app/drizzle', '--config', config, '--format', 'json'], { cwd: root });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report.source).toEqual({ kind: 'migrations', name: 'fixtures/example-app/drizzle' });
    expect(report.findings.map(describeFinding)).toEqual(expected);
    // organizations is the root, plans is global: neither is a tenant table.
    expect(report.summary).toMatchObject({ tables: 6, tenantTables: 4 });
    expect(run.code).toBe(1);
  });

  it('`npm start` shows the findings and exits 0 (it is a demo, not a CI gate)', async () => {
    // A clean environment: no DATABASE_URL, no GITHUB_ACTIONS (which would switch the format).
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? root, NO_COLOR: '1' };
    const run = await execa('npm', ['start', '--silent'], { cwd: root, reject: false, env, extendEnv: false });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/^Auditing migrations fixtures\/example-app\/drizzle \(drizzle, 2 files\)/);
    expect(run.stdout).toContain('\npublic.invitations\n  error    rls-disabled\n');
    expect(run.stdout).toContain('\npublic.tasks\n');
    expect(run.stdout).toMatch(/in 5 of 6 tables \(4 tenant\)\n?$/);
    expectReadmeExample(`${run.stderr}\n${run.stdout}`);
  });

  describe.runIf(serverUrl)('the same schema on a live server', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      // Drizzle's breakpoints are SQL comments, so the files apply as they are.
      const files = ['0000_init.sql', '0001_rls.sql'];
      const sql = (await Promise.all(files.map((f) => readFile(join(app, 'drizzle', f), 'utf8')))).join(';\n');
      db = await createTestDatabase({ setup: sql });
    });
    afterAll(async () => {
      await db?.close();
    });

    it('gives the same findings', async () => {
      const run = await runCli(['audit', '--db', db.url!, '--config', config, '--app-role', db.role('app_user'), '--format', 'json']);
      expect(run.code).toBe(1);
      // Roles are cluster-wide on a server, so the scenario's app_user carries a per-test prefix.
      const onServer = expected.map((flaw) => flaw.replace(/\bapp_user\b/, db.role('app_user')));
      // roles are cluster-wide: findings about another test database's roles say nothing about this schema
      const findings = (JSON.parse(run.stdout).findings as JsonFinding[]).filter((f) => f.object.kind !== 'role' || !db.isForeignTestRole(f.object.name));
      expect(findings.map(describeFinding)).toEqual(onServer);
    });
  });
});
