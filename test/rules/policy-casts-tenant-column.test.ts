import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/policy-casts-tenant-column.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  CREATE INDEX projects_organization_id_idx ON projects (organization_id);
  CREATE TABLE tasks (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  CREATE INDEX tasks_organization_id_idx ON tasks (organization_id);
  CREATE TABLE notes (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, archived boolean NOT NULL DEFAULT false);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  ALTER TABLE tasks ENABLE ROW LEVEL SECURITY; ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY; ALTER TABLE notes FORCE ROW LEVEL SECURITY;
  -- the guide's policy: the column is cast to text
  CREATE POLICY "org_isolation" ON projects FOR ALL TO app_user
    USING (organization_id::text = current_setting('app.current_org_id', true))
    WITH CHECK (organization_id::text = current_setting('app.current_org_id', true));
  CREATE POLICY tenant ON tasks TO app_user
    USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
  CREATE POLICY tenant ON notes TO app_user
    USING (NOT archived AND organization_id::text = current_setting('app.current_org_id', true));
  GRANT SELECT ON projects, tasks, notes TO app_user;
  INSERT INTO organizations SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid FROM generate_series(1, 50) i;
  INSERT INTO projects SELECT i, ('00000000-0000-0000-0000-' || lpad(to_hex(1 + i % 50), 12, '0'))::uuid FROM generate_series(1, 2000) i;
  INSERT INTO tasks SELECT id, organization_id FROM projects;
  ANALYZE projects; ANALYZE tasks;
`;

describe('policy-casts-tenant-column', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const plan = (table: string) =>
    db.asRole(
      'app_user',
      async (c) => {
        await c.query('SET LOCAL enable_seqscan = off');
        const rows = (await c.query(`EXPLAIN SELECT id FROM ${table}`)).rows;
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      },
      { value: '00000000-0000-0000-0000-000000000007' },
    );

  it('reports policies comparing a cast of the tenant column, once per policy', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['notes.tenant', 'projects.org_isolation']);
    expect(problems.get('projects.org_isolation')!.message).toContain('casts organization_id to text in USING (');
    expect(problems.get('projects.org_isolation')!.message).toContain(') and WITH CHECK (');
  });

  it('proves it with the planner: the cast column cannot use the index, the rewritten policy can', async () => {
    expect(await plan('projects')).not.toMatch(/Index|Bitmap/);
    expect(await plan('tasks')).toMatch(/Index|Bitmap/);
  });

  it('rewrites a whole-clause comparison, and leaves compound clauses to a person', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const fix = problems.get('projects.org_isolation')!.fix!;
    const predicate = `"organization_id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`;
    expect(fix.sql).toBe(`ALTER POLICY "org_isolation" ON "public"."projects" USING (${predicate}) WITH CHECK (${predicate});`);
    expect(problems.get('notes.tenant')!.fix).toBeNull();
    await db.exec(fix.sql);
    try {
      expect(await plan('projects')).toMatch(/Index|Bitmap/);
      expect(problemsByObject(rule, await ruleContext(db)).has('projects.org_isolation')).toBe(false);
    } finally {
      await db.exec(`ALTER POLICY "org_isolation" ON projects USING (organization_id::text = current_setting('app.current_org_id', true))
        WITH CHECK (organization_id::text = current_setting('app.current_org_id', true))`);
    }
  });
});
