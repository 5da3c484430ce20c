/**
 * `tenantguard diff` on a plain migrations folder in a git repository: the
 * base is `main`, the change is the working tree. Each case proves one
 * classification on real engines (both sides applied to the embedded engine),
 * and the probe proves the widening (leak absent at the base, present at the head).
 */
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffResult } from '../../src/diff/index.js';
import { expectUsageFailure, runCli } from '../support/cli.js';
import { repository, type Repository } from './support.js';

const TENANT = `organization_id = current_setting('app.current_org_id')::uuid`;

/** projects: a SELECT and an INSERT policy (no FOR ALL policy to fall back on); tasks: owned by the app role, kept to its tenant by FORCE. */
const BASE = `CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL);
GRANT SELECT ON organizations TO app_user;

CREATE TABLE projects (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_read ON projects FOR SELECT USING (${TENANT});
CREATE POLICY projects_insert ON projects FOR INSERT WITH CHECK (${TENANT});
GRANT SELECT, INSERT ON projects TO app_user;

CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  title text NOT NULL
);
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_tenant ON tasks USING (${TENANT});
ALTER TABLE tasks OWNER TO app_user;
`;

const CONFIG = JSON.stringify({ tenantColumn: 'organization_id', appRole: 'app_user' });
/**
 * A test's own bound, not the product's: a diff starts two embedded engines and a test runs up to
 * three diffs, minutes on a loaded machine. A test cut short would also leave its change in the
 * working tree for the next one.
 */
const DIFFS = { timeout: 300_000 };

let repo: Repository;
beforeAll(async () => {
  repo = await repository({ 'migrations/001_init.sql': BASE, 'tenantguard.config.json': CONFIG });
});
afterAll(async () => {
  await repo?.remove();
});

/** Runs the diff with the change in the working tree, as JSON unless the flags or the environment choose a format. */
async function diff(change: Record<string, string>, flags: string[] = [], env: Record<string, string> = {}) {
  await repo.change(change);
  try {
    const json = !flags.includes('--format') && !env.GITHUB_ACTIONS;
    const run = await runCli(['diff', ...(json ? ['--format', 'json'] : []), ...flags], { cwd: repo.dir, env });
    const result = json && run.stdout ? (JSON.parse(run.stdout) as DiffResult) : null;
    return { ...run, result };
  } finally {
    repo.reset();
  }
}

describe('tenantguard diff against the merge base with main', DIFFS, () => {
  it('reports a permissive USING (true) SELECT policy as widened, on the CREATE POLICY line, proven by the probe', async () => {
    const run = await diff({
      'migrations/002_public_projects.sql': '-- everyone may browse projects\n\nCREATE POLICY projects_public ON projects FOR SELECT USING (true);\n',
    });
    expect(run.code).toBe(1);
    expect(run.result!.base.label).toBe(`merge base of HEAD and main (${repo.baseCommit})`);
    expect(run.result!.changes).toEqual([
      expect.objectContaining({
        class: 'widened',
        severity: 'error',
        object: { kind: 'table', schema: 'public', name: 'projects' },
        role: 'app_user',
        commands: ['SELECT'],
        before: { via: 'policies', rows: 'own', check: null },
        after: { via: 'policies', rows: 'any', check: null },
        policies: ['projects_public'],
        location: { file: 'migrations/002_public_projects.sql', line: 3 },
        proof: expect.objectContaining({ status: 'proven' }),
      }),
    ]);
    expect(run.result!.probed).toBe(true);
  });

  it('reports a renamed policy and a = b rewritten as b = a as equivalent, shown only with --verbose, exit 0', async () => {
    const change = {
      'migrations/002_rewrite.sql':
        'ALTER POLICY projects_read ON projects RENAME TO projects_tenant_read;\n' +
        'DROP POLICY tasks_tenant ON tasks;\n' +
        `CREATE POLICY tasks_tenant ON tasks USING (current_setting('app.current_org_id')::uuid = organization_id);\n`,
    };
    const run = await diff(change);
    expect(run.code).toBe(0);
    const changes = run.result!.changes;
    expect(changes.map((c) => [c.object.name, c.class, c.commands])).toEqual([
      ['projects', 'equivalent', ['SELECT']],
      ['tasks', 'equivalent', ['SELECT', 'INSERT', 'UPDATE', 'DELETE']],
    ]);
    expect(changes.every((c) => c.severity === 'info' && c.summary === "own organization's rows → own organization's rows")).toBe(true);
    const pretty = await diff(change, ['--format', 'pretty']);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toContain("no change in who can reach which organization's rows");
    expect(pretty.stdout).not.toContain('equivalent  ');
    const verbose = await diff(change, ['--format', 'pretty', '--verbose']);
    expect(verbose.stdout).toMatch(/· equivalent +app_user SELECT: own organization's rows → own organization's rows \[migrations\/002_rewrite\.sql:1\]/);
  });

  it('reports dropping the only INSERT policy as narrowed: a warning, exit 1 only with --fail-on warning', async () => {
    const change = { 'migrations/002_no_insert.sql': 'DROP POLICY projects_insert ON projects;\n' };
    const run = await diff(change);
    expect(run.code).toBe(0);
    expect(run.result!.changes).toEqual([
      expect.objectContaining({
        class: 'narrowed',
        severity: 'warning',
        role: 'app_user',
        commands: ['INSERT'],
        before: { via: 'policies', rows: null, check: 'own' },
        after: { via: 'policies', rows: null, check: 'none' },
        reasons: ['no permissive policy applies'],
        location: { file: 'migrations/002_no_insert.sql', line: 1 },
      }),
    ]);
    // On GitHub Actions: annotations by default, the Markdown table in the step summary.
    const summary = join(repo.dir, '..', `${basename(repo.dir)}-summary.md`);
    const actions = await diff(change, ['--fail-on', 'warning'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(actions.code).toBe(1);
    expect(actions.stdout).toMatch(/^::warning file=migrations\/002_no_insert\.sql,line=1,title=access narrowed%3A public\.projects::app_user INSERT: /);
    expect(await readFile(summary, 'utf8')).toMatch(/^### 🟠 tenantguard diff: narrows access/);
    await rm(summary, { force: true });
  });

  it('reports NO FORCE ROW LEVEL SECURITY on a table the app role owns as widened for every command it holds', async () => {
    const run = await diff({ 'migrations/002_no_force.sql': 'ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;\n' });
    expect(run.code).toBe(1);
    expect(run.result!.changes).toEqual([
      expect.objectContaining({
        class: 'widened',
        object: { kind: 'table', schema: 'public', name: 'tasks' },
        role: 'app_user',
        commands: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
        after: expect.objectContaining({ via: 'owner', rows: expect.any(String) }),
        reasons: ['app_user owns the table and it is not FORCE ROW LEVEL SECURITY'],
        location: { file: 'migrations/002_no_force.sql', line: 1 },
        proof: expect.objectContaining({ status: 'proven' }),
      }),
    ]);
  });
});

describe('tenantguard diff on the surfaces around row level security', DIFFS, () => {
  it('reports a view read with its owner\'s rights, TRUNCATE, a SECURITY DEFINER function, a table without RLS and SET ROLE to a BYPASSRLS role', async () => {
    const run = await diff(
      {
        'migrations/002_surfaces.sql': `CREATE VIEW project_names AS SELECT id, organization_id, name FROM projects;
GRANT SELECT ON project_names TO app_user;
GRANT TRUNCATE ON projects TO app_user;
CREATE FUNCTION all_projects() RETURNS SETOF projects LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$ SELECT * FROM projects $$;
CREATE TABLE audit_log (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));
CREATE ROLE support BYPASSRLS;
GRANT support TO app_user;
`,
      },
      ['--no-probe'],
    );
    expect(run.code).toBe(1);
    expect(run.result!.changes.map((c) => [c.object.kind, c.object.name, c.class, c.severity, c.role, c.commands.join(' '), c.summary, c.location?.line])).toEqual([
      ['function', 'all_projects', 'widened', 'error', 'app_user', 'EXECUTE', "no access → every organization's rows", 4],
      ['table', 'audit_log', 'widened', 'warning', null, '', 'it holds tenant rows without row level security', 5],
      ['view', 'project_names', 'widened', 'error', 'app_user', 'SELECT', "no access → every organization's rows", 2],
      ['table', 'projects', 'widened', 'error', 'app_user', 'TRUNCATE', "no access → every organization's rows", 3],
      ['role', 'app_user', 'widened', 'error', 'app_user', '', "can SET ROLE support, which has BYPASSRLS: every organization's rows of every table", 7],
    ]);
  });
});

describe('tenantguard diff with a wrong input', DIFFS, () => {
  it('stops on an app role the head does not create rather than report no change', async () => {
    const run = await diff({}, ['--app-role', 'app_usr']);
    expectUsageFailure(run, /^tenantguard: the app role "app_usr" is not created by the migrations in migrations \(did you mean "app_user"\?\)/);
  });
});

describe('tenantguard diff when the base does not apply', DIFFS, () => {
  let broken: Repository;
  afterAll(async () => {
    await broken?.remove();
  });

  it('fails with one line naming the revision and the file:line, exit 2', async () => {
    broken = await repository({
      'migrations/001_init.sql': 'CREATE TABLE organizations (id uuid PRIMARY KEY);\n\nCREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid REFERENCES organisations (id));\n',
      'tenantguard.config.json': CONFIG,
    });
    await broken.change({ 'migrations/001_init.sql': BASE });
    const run = await runCli(['diff', '--base', 'main'], { cwd: broken.dir });
    expectUsageFailure(run, new RegExp(`^tenantguard: the migrations at main \\(${broken.baseCommit}\\) do not apply: migrations/001_init\\.sql:3: relation "organisations" does not exist$`));
  });
});
