import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/policy-to-public.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE reporting LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO projects VALUES (1, 1), (2, 2);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE tasks ENABLE ROW LEVEL SECURITY; ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
  -- no TO clause: PUBLIC
  CREATE POLICY tenant ON projects USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  -- explicit roles; a restrictive TO PUBLIC narrows everyone (fine)
  CREATE POLICY tenant ON tasks TO app_user USING (organization_id = ${CTX});
  CREATE POLICY tenant_isolation ON tasks AS RESTRICTIVE USING (organization_id = ${CTX});
  -- no expression at all: admits nothing (policy-null-predicate's business)
  CREATE POLICY nothing ON notes;
  GRANT SELECT ON projects, tasks, notes TO app_user;
`;

describe('policy-to-public', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports permissive policies that apply to PUBLIC; one that pins the tenant is info', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()]).toEqual(['projects.tenant']);
    expect(problems.get('projects.tenant')!.message).toBe(
      `policy "tenant" on public.projects applies TO PUBLIC (a policy created without TO applies to PUBLIC): every current and future role granted the table gets what it admits; today that is ${db.role('app_user')}; ` +
        "it pins organization_id, so each of them gets only its own organization's rows",
    );
    expect(problems.get('projects.tenant')!.severity).toBe('info');
    expect(problems.get('projects.tenant')!.fix).toBeNull(); // no app role configured: nothing to name instead
  });

  it('stays a warning when the policy admits more than the tenant', async () => {
    const loose = problemsByObject(rule, await ruleContextAfter(db, 'CREATE POLICY everyone ON tasks FOR SELECT USING (true)'));
    expect(loose.get('tasks.everyone')!.severity).toBeUndefined();
    expect(rule.defaultSeverity).toBe('warning');
  });

  it('proves it: a role granted the table later is covered by the policy without anyone deciding so', async () => {
    await db.exec('GRANT SELECT ON projects TO reporting');
    try {
      const seen = await db.asRole('reporting', async (c) => (await c.query('SELECT organization_id FROM projects')).rows, { value: '2' });
      expect(seen).toEqual([{ organization_id: 2 }]);
    } finally {
      await db.exec('REVOKE SELECT ON projects FROM reporting');
    }
  });

  it('with an app role, the fix limits the policy to it', async () => {
    const problems = problemsByObject(rule, await ruleContext(db, { appRole: db.role('app_user') }));
    const fix = problems.get('projects.tenant')!.fix!;
    expect(fix.sql).toBe(`ALTER POLICY "tenant" ON "public"."projects" TO "${db.role('app_user')}";`);
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).size).toBe(0);
  });
});
