import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFindings } from '../../../src/check/locate.js';
import type { Finding } from '../../../src/check/types.js';
import { trackMigrations } from '../../../src/db/migrations/history.js';
import type { MigrationFile } from '../../../src/db/types.js';
import type { MigrationHistory, TrackedObject } from '../../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

/** Splits test SQL at `;` line ends (no semicolons inside literals here), keeping first-token lines. */
function migrationFile(displayPath: string, text: string): MigrationFile {
  const statements: MigrationFile['statements'] = [];
  let line = 1;
  for (const chunk of text.split(/;\n/)) {
    const lead = /^(?:\s+|--[^\n]*\n)*/.exec(chunk)![0];
    if (chunk.trim()) statements.push({ sql: chunk, line: line + lead.split('\n').length - 1 });
    line += chunk.split('\n').length;
  }
  return { path: `/repo/${displayPath}`, displayPath, statements };
}

const files = [
  migrationFile(
    'migrations/0001_init.sql',
    `CREATE TABLE organizations (id uuid PRIMARY KEY);
CREATE TABLE public.projects (
  id uuid PRIMARY KEY,
  organization_id uuid,
  name text,
  CONSTRAINT projects_org_fk FOREIGN KEY (organization_id) REFERENCES organizations (id)
);
CREATE TABLE drafts (id int, organization_id uuid);
CREATE SCHEMA app;
CREATE TABLE app.tasks (id int, organization_id uuid);
-- the policy is replaced later
CREATE POLICY tenant_read ON projects
  USING (organization_id = current_setting('app.current_org_id', true)::uuid);
CREATE INDEX projects_org_idx ON projects (organization_id);
`,
  ),
  migrationFile(
    'migrations/0002_rls.sql',
    `ALTER TABLE projects ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER POLICY tenant_read ON projects USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
ALTER TABLE projects ADD COLUMN "Ünïcode name" text;
DROP TABLE drafts;
ALTER TABLE app.tasks RENAME TO jobs;
ALTER TABLE app.jobs ALTER COLUMN organization_id SET NOT NULL;
SET search_path TO app, public;
CREATE TABLE notes (id int, organization_id uuid);
CREATE POLICY notes_read ON notes USING (true);
ALTER POLICY notes_read ON notes RENAME TO notes_tenant;
ALTER TABLE projects NO FORCE ROW LEVEL SECURITY;
CREATE FUNCTION public.current_org() RETURNS uuid LANGUAGE sql AS 'select null::uuid';
CREATE VIEW public.project_names AS SELECT name FROM public.projects;
CREATE TABLE public."odd.name" (id int);
ALTER TABLE public."odd.name" RENAME TO "odd.name.2";
`,
  ),
];

let db: TestDatabase;
let history: MigrationHistory;
const find = (kind: TrackedObject['kind'], schema: string, name: string, table?: string) =>
  history.objects.find((o) => o.kind === kind && o.schema === schema && o.name === name && o.table === table);

beforeAll(async () => {
  db = await createTestDatabase();
  for (const file of files) for (const s of file.statements) await db.exec(s.sql);
  history = await trackMigrations({ layout: 'plain', files });
});
afterAll(() => db?.close());

describe('trackMigrations', () => {
  it('ends with exactly the tables and policies Postgres has, under their final names', async () => {
    const { rows: tables } = await db.client.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'app') ORDER BY 1`,
    );
    const { rows: policies } = await db.client.query<{ name: string }>(
      `SELECT schemaname || '.' || tablename || '.' || policyname AS name FROM pg_policies WHERE schemaname IN ('public', 'app') ORDER BY 1`,
    );
    const tracked = (kind: string) =>
      history.objects
        .filter((o) => o.kind === kind)
        .map((o) => [o.schema, o.table, o.name].filter(Boolean).join('.'))
        .sort();
    expect(tracked('table')).toEqual(tables.map((r) => r.name));
    expect(tracked('policy')).toEqual(policies.map((r) => r.name));
  });

  it('records the creating statement and every later change, in order', () => {
    expect(find('table', 'public', 'projects')!.created).toEqual({ file: 'migrations/0001_init.sql', line: 2 });
    expect(find('table', 'public', 'projects')!.changes).toEqual([
      { action: 'enable-rls', location: { file: 'migrations/0002_rls.sql', line: 1 } },
      { action: 'force-rls', location: { file: 'migrations/0002_rls.sql', line: 1 } },
      { action: 'no-force-rls', location: { file: 'migrations/0002_rls.sql', line: 11 } },
    ]);
    expect(find('policy', 'public', 'tenant_read', 'projects')).toMatchObject({
      created: { file: 'migrations/0001_init.sql', line: 12 },
      changes: [{ action: 'alter', location: { file: 'migrations/0002_rls.sql', line: 2 } }],
    });
  });

  it('points columns and named constraints at their own lines', () => {
    expect(find('column', 'public', 'organization_id', 'projects')!.created!.line).toBe(4);
    expect(find('constraint', 'public', 'projects_org_fk', 'projects')!.created!.line).toBe(6);
    expect(find('column', 'public', 'Ünïcode name', 'projects')!.created).toEqual({ file: 'migrations/0002_rls.sql', line: 3 });
    expect(find('index', 'public', 'projects_org_idx', 'projects')!.created!.line).toBe(14);
  });

  it('follows renames, drops and search_path', () => {
    expect(find('table', 'public', 'drafts')).toBeUndefined();
    expect(find('table', 'app', 'tasks')).toBeUndefined();
    expect(find('table', 'app', 'jobs')).toMatchObject({ created: { line: 10 }, changes: [{ action: 'alter' }, { action: 'alter' }] });
    expect(find('table', 'app', 'notes')!.created).toEqual({ file: 'migrations/0002_rls.sql', line: 8 });
    expect(find('policy', 'app', 'notes_tenant', 'notes')).toBeDefined();
    expect(find('function', 'public', 'current_org')!.created!.line).toBe(12);
    expect(find('view', 'public', 'project_names')!.created!.line).toBe(13);
    expect(find('table', 'public', 'odd.name.2')).toMatchObject({ created: { line: 14 }, changes: [{ action: 'alter', location: { line: 15 } }] });
  });
});

describe('locateFindings', () => {
  const finding = (object: Finding['object']): Finding => ({
    rule: 'r',
    severity: 'error',
    object,
    message: 'm',
    fix: null,
    fingerprint: 'f',
    docs: 'docs/rules/r.md',
  });

  it('places findings on their object, a policy on its last ALTER, unknown parts on their table', () => {
    const located = locateFindings(
      [
        finding({ kind: 'table', schema: 'public', name: 'projects' }),
        finding({ kind: 'policy', schema: 'public', name: 'tenant_read', table: 'projects' }),
        finding({ kind: 'constraint', schema: 'public', name: 'projects_pkey', table: 'projects' }),
        finding({ kind: 'role', schema: null, name: 'app_user' }),
        { ...finding({ kind: 'table', schema: 'app', name: 'jobs' }), location: { file: 'x.sql', line: 9 } },
      ],
      history,
    );
    expect(located.map((f) => f.location)).toEqual([
      { file: 'migrations/0001_init.sql', line: 2 },
      { file: 'migrations/0002_rls.sql', line: 2 },
      { file: 'migrations/0001_init.sql', line: 2 },
      undefined,
      { file: 'x.sql', line: 9 },
    ]);
  });
});
