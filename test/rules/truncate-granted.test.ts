import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/truncate-granted.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE writers NOLOGIN;
  CREATE ROLE worker LOGIN IN ROLE writers;
  CREATE ROLE migrator NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE jobs (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO projects VALUES (1, 1), (2, 2);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  ALTER TABLE projects OWNER TO migrator; ALTER TABLE jobs OWNER TO migrator; ALTER TABLE tasks OWNER TO migrator;
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON projects TO app_user;
  GRANT SELECT, TRUNCATE ON jobs TO writers;
  GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO app_user;
`;

describe('truncate-granted', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports each grantee once, with the tenant tables it can TRUNCATE and the roles that hold it through the grant', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual([db.role('app_user'), db.role('writers')].sort());
    expect(problems.get(db.role('app_user'))!).toMatchObject({
      object: { kind: 'role', schema: null },
      message:
        `${db.role('app_user')} is granted TRUNCATE on public.projects: TRUNCATE is not subject to row level security, ` +
        "so one statement removes every organization's rows",
    });
    expect(problems.get(db.role('writers'))!.message).toContain(`is granted TRUNCATE on public.jobs (held through it by ${db.role('worker')})`);
    expect(problems.get(db.role('writers'))!.fix!.sql).toBe(`REVOKE TRUNCATE ON "public"."jobs" FROM "${db.role('writers')}";`);
  });

  it('is one finding for a grant that covers many tables, listing them', async () => {
    const ctx = await ruleContextAfter(db, 'GRANT TRUNCATE ON jobs, tasks TO app_user');
    const problems = problemsByObject(rule, ctx);
    const mine = problems.get(db.role('app_user'))!;
    expect(mine.message).toContain('is granted TRUNCATE on 3 tenant tables (public.jobs, public.projects, public.tasks)');
    expect(mine.fix!.sql.split('\n')).toHaveLength(3);
    expect(mine.severity).toBeUndefined();
    expect(rule.defaultSeverity).toBe('warning');
  });

  it("proves it: app_user, limited to organization 1 by the policy, wipes organization 2's rows", async () => {
    const left = await db.asRole(
      'app_user',
      async (c) => {
        expect((await c.query('DELETE FROM projects')).rowCount).toBe(1); // the policy limits DELETE
        await c.query('TRUNCATE projects'); // but not TRUNCATE
        await c.query('RESET ROLE');
        return (await c.query('SELECT count(*)::int AS n FROM projects')).rows[0].n;
      },
      { value: '1' },
    );
    expect(left).toBe(0);
  });

  it('its fix revokes TRUNCATE', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const fixes = [...problems.values()].map((p) => p.fix!.sql).join('\n');
    expect(problemsByObject(rule, await ruleContextAfter(db, fixes)).size).toBe(0);
  });
});
