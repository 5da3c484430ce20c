import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/with-check-missing.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const TABLES = ['projects', 'tasks', 'invites', 'labels', 'audits', 'notes', 'orphans'];

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE auditor;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, is_public boolean NOT NULL DEFAULT false);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    INSERT INTO ${t} VALUES (1, 1), (2, 2);`,
  ).join('\n')}
  -- warning: FOR ALL without WITH CHECK, USING pins the tenant (the fallback holds)
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX});
  -- error: FOR UPDATE without WITH CHECK, USING does not pin the tenant
  CREATE POLICY read ON tasks FOR SELECT TO app_user USING (organization_id = ${CTX});
  CREATE POLICY edit ON tasks FOR UPDATE TO app_user USING (is_public OR organization_id = ${CTX});
  -- info: FOR INSERT without WITH CHECK denies every insert
  CREATE POLICY invite ON invites FOR INSERT TO app_user;
  -- valid: explicit WITH CHECK
  CREATE POLICY tenant ON labels TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  -- warning only: a restrictive policy can only narrow what is written
  CREATE POLICY tenant ON audits TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  CREATE POLICY narrow ON audits AS RESTRICTIVE TO app_user USING (is_public OR organization_id = ${CTX});
  -- warning only: loose, but no role that reaches the table writes through it
  CREATE POLICY tenant ON notes TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  CREATE POLICY auditors ON notes TO auditor USING (true);
  -- not this rule: neither USING nor WITH CHECK (policy-null-predicate)
  CREATE POLICY nothing ON orphans TO app_user;
  GRANT SELECT, INSERT, UPDATE ON ${TABLES.join(', ')} TO app_user;
`;

describe('with-check-missing', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const asOrg1 = (sql: string) => db.asRole('app_user', async (c) => (await c.query(sql)).rowCount, { value: '1' });

  it('grades each policy without WITH CHECK by what its USING fallback does', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['audits.narrow', 'invites.invite', 'notes.auditors', 'projects.tenant', 'tasks.edit']);
    expect(problems.get('projects.tenant')!.severity).toBeUndefined(); // warning
    expect(problems.get('projects.tenant')!.message).toMatch(/^policy "tenant" on public\.projects is FOR ALL without WITH CHECK: Postgres checks new rows against its USING \(organization_id = /);
    expect(problems.get('tasks.edit')).toMatchObject({ severity: 'error' });
    expect(problems.get('tasks.edit')!.message).toContain(`which does not pin organization_id (is_public does not pin organization_id): ${db.role('app_user')} can write rows into any organization`);
    expect(problems.get('invites.invite')).toMatchObject({ severity: 'info' });
    expect(problems.get('audits.narrow')!.severity).toBeUndefined();
    expect(problems.get('notes.auditors')!.severity).toBeUndefined();
  });

  it('proves the error and the facts behind the lower grades', async () => {
    // the UPDATE fallback admits a row moved to organization 2 (no WHERE: SELECT policies do not apply)
    expect(await asOrg1('UPDATE tasks SET organization_id = 2, is_public = true')).toBe(1);
    // the tenant USING, used as the check, stops a row from leaving the tenant
    await expect(asOrg1('UPDATE projects SET organization_id = 2')).rejects.toThrow(/row-level security/);
    // the INSERT policy without WITH CHECK admits nothing
    await expect(asOrg1('INSERT INTO invites VALUES (3, 1)')).rejects.toThrow(/row-level security/);
  });

  it('fixes: the explicit check for the warning keeps its meaning, the error fix pins the tenant', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect(problems.get('projects.tenant')!.fix!.sql).toMatch(/^ALTER POLICY "tenant" ON "public"\."projects" WITH CHECK \(\(organization_id = /);
    const fix = problems.get('tasks.edit')!.fix!.sql;
    expect(fix).toBe(
      `ALTER POLICY "edit" ON "public"."tasks" WITH CHECK ("organization_id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::integer));`,
    );
    const after = problemsByObject(rule, await ruleContextAfter(db, `${problems.get('projects.tenant')!.fix!.sql}\n${fix}`));
    expect(after.has('projects.tenant')).toBe(false);
    expect(after.has('tasks.edit')).toBe(false);
  });
});
