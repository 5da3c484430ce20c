import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/cross-tenant-foreign-key.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE plans (id int PRIMARY KEY);
  COMMENT ON TABLE plans IS '@tenantguard global';
  INSERT INTO plans VALUES (1);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, plan_id int REFERENCES plans, UNIQUE (organization_id, id));
  -- points at projects by id alone
  CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations,
                      project_id int REFERENCES projects ON DELETE SET NULL);
  -- composite: safe
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, project_id int NOT NULL,
                      FOREIGN KEY (organization_id, project_id) REFERENCES projects (organization_id, id));
  INSERT INTO projects VALUES (1, 1, 1), (2, 2, 1);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  ALTER TABLE tasks ENABLE ROW LEVEL SECURITY; ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  CREATE POLICY tenant ON tasks TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  ALTER TABLE projects OWNER TO migrator; ALTER TABLE tasks OWNER TO migrator; ALTER TABLE notes OWNER TO migrator;
  GRANT SELECT, INSERT ON projects, tasks, notes TO app_user;
`;

describe('cross-tenant-foreign-key', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const insertTask = (id: number, project: number) =>
    db.asRole('app_user', async (c) => (await c.query(`INSERT INTO tasks VALUES (${id}, 1, ${project})`)).rowCount, { value: '1' });

  it('reports foreign keys between tenant tables that leave out the tenant column', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()]).toEqual(['tasks.tasks_project_id_fkey']);
    expect(problems.get('tasks.tasks_project_id_fkey')!.message).toMatch(
      /^foreign key tasks_project_id_fkey on public\.tasks \(project_id\) → public\.projects does not include organization_id: /,
    );
  });

  it("proves it: organization 1 links a task to organization 2's project, which it cannot even see", async () => {
    expect(await insertTask(3, 2)).toBe(1);
    await expect(insertTask(4, 99)).rejects.toThrow(/foreign key/); // and the error tells ids that do not exist
  });

  it("reports a key from the tenant root to a tenant's row, and its fix ties the row to the root's own key", async () => {
    const rootKey = `
      ALTER TABLE organizations ADD COLUMN active_project_id int REFERENCES projects;
      GRANT SELECT, UPDATE ON organizations TO app_user`;
    const problems = problemsByObject(rule, await ruleContextAfter(db, rootKey));
    const root = problems.get('organizations.organizations_active_project_id_fkey')!;
    expect(root.message).toMatch(
      /^foreign key organizations_active_project_id_fkey on the tenant root table public\.organizations \(active_project_id\) → public\.projects does not tie the row it points at to the organization itself: /,
    );
    expect(root.fix!.sql).toBe(
      'ALTER TABLE "public"."organizations" DROP CONSTRAINT "organizations_active_project_id_fkey",\n' +
        '  ADD CONSTRAINT "organizations_active_project_id_fkey" FOREIGN KEY ("id", "active_project_id") REFERENCES "public"."projects" ("organization_id", "id");',
    );
    // proof, then the fix: organization 1 makes organization 2's project its active one, until the key is composite
    const point = (sql: string) =>
      db.asRole('app_user', async (c) => {
        await c.query('RESET ROLE');
        await c.query(db.sql(rootKey) + ';' + sql);
        await c.query(`SET LOCAL ROLE "${db.role('app_user')}"`);
        return (await c.query('UPDATE organizations SET active_project_id = 2 WHERE id = 1')).rowCount;
      }, { value: '1' });
    expect(await point('SELECT 1')).toBe(1);
    await expect(point(root.fix!.sql)).rejects.toThrow(/foreign key/);
    expect(problemsByObject(rule, await ruleContextAfter(db, `${rootKey}; ${root.fix!.sql}`)).has('organizations.organizations_active_project_id_fkey')).toBe(false);
  });

  it('its fix makes the key composite, after which the cross-tenant link fails', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('tasks.tasks_project_id_fkey')!.fix!;
    expect(fix.sql).toContain(
      'ALTER TABLE "public"."tasks" DROP CONSTRAINT "tasks_project_id_fkey",\n' +
        '  ADD CONSTRAINT "tasks_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "public"."projects" ("organization_id", "id")',
    );
    await db.exec(fix.sql);
    try {
      await expect(insertTask(5, 2)).rejects.toThrow(/foreign key/);
      expect(await insertTask(5, 1)).toBe(1);
      expect(problemsByObject(rule, await ruleContext(db)).size).toBe(0);
    } finally {
      await db.exec(`ALTER TABLE tasks DROP CONSTRAINT tasks_project_id_fkey,
        ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects ON DELETE SET NULL`);
    }
  });
});
