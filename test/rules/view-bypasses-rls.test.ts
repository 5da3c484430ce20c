import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/view-bypasses-rls.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator NOLOGIN;
  CREATE ROLE reporter NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, name text NOT NULL);
  INSERT INTO projects VALUES (1, 1, 'a'), (2, 2, 'b');
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user, reporter USING (organization_id = ${CTX});
  ALTER TABLE projects OWNER TO migrator;
  GRANT SELECT ON projects TO app_user, reporter;
  -- owned by the table owner (no FORCE): the owner skips the policies
  CREATE VIEW project_list AS SELECT organization_id, name FROM projects;
  ALTER VIEW project_list OWNER TO migrator;
  GRANT SELECT ON project_list TO app_user;
  -- same, but nobody else can select it yet
  CREATE VIEW project_archive AS SELECT organization_id, name FROM projects;
  ALTER VIEW project_archive OWNER TO migrator;
  -- security_invoker: the caller's policies apply
  CREATE VIEW project_names WITH (security_invoker = true) AS SELECT organization_id, name FROM projects;
  ALTER VIEW project_names OWNER TO migrator;
  GRANT SELECT ON project_names TO app_user;
  -- owned by a role the tenant policy binds: still tenant-scoped
  CREATE VIEW reporter_projects AS SELECT organization_id, name FROM projects;
  ALTER VIEW reporter_projects OWNER TO reporter;
  GRANT SELECT ON reporter_projects TO app_user;
`;

describe('view-bypasses-rls', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgs = (view: string) =>
    db.asRole('app_user', async (c) => (await c.query(`SELECT organization_id FROM ${view} ORDER BY 1`)).rows.map((r) => r.organization_id), { value: '1' });

  it("reports views that read tenant tables with an owner's rights that bypass RLS", async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['project_archive', 'project_list']);
    expect(problems.get('project_list')).toMatchObject({ severity: 'error' });
    expect(problems.get('project_list')!.message).toBe(
      `view public.project_list runs with its owner's rights (no security_invoker) and ${db.role('migrator')} owns public.projects and it is not FORCE ROW LEVEL SECURITY: ` +
        `${db.role('app_user')} read every organization's rows through it`,
    );
    expect(problems.get('project_archive')).toMatchObject({ severity: 'warning' });
  });

  it('agrees with Postgres', async () => {
    expect(await orgs('project_list')).toEqual([1, 2]);
    expect(await orgs('project_names')).toEqual([1]);
    expect(await orgs('reporter_projects')).toEqual([1]);
  });

  it('its fix makes the view run with the caller’s rights', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('project_list')!.fix!;
    expect(fix.sql).toBe('ALTER VIEW "public"."project_list" SET (security_invoker = true);');
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).has('project_list')).toBe(false);
  });
});
