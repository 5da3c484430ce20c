import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/tenant-column-missing.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const A = '00000000-0000-0000-0000-00000000000a';
const B = '00000000-0000-0000-0000-00000000000b';
const SCENARIO = `
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  -- valid: the tenant column itself; tables unrelated to tenants
  CREATE TABLE projects (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  CREATE TABLE members (organization_id uuid NOT NULL REFERENCES organizations, user_id int NOT NULL);
  CREATE TABLE plans (id int PRIMARY KEY);
  CREATE TABLE plan_features (plan_id int NOT NULL REFERENCES plans);
  -- invalid: tenant rows reached only through foreign keys
  CREATE TABLE tasks (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects);
  CREATE TABLE comments (id int PRIMARY KEY, task_id int REFERENCES tasks);
  CREATE TABLE org_settings (org uuid PRIMARY KEY REFERENCES organizations (id));
  CREATE TABLE "Order Items" ("Project Id" int NOT NULL REFERENCES projects);
  CREATE TABLE logs (project_id int NOT NULL REFERENCES projects, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE TABLE logs_2026 PARTITION OF logs FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  INSERT INTO organizations VALUES ('${A}'), ('${B}');
  INSERT INTO projects VALUES (1, '${A}'), (2, '${B}');
  INSERT INTO tasks VALUES (10, 1), (20, 2);
  INSERT INTO comments VALUES (100, 10), (200, 20), (300, NULL);
  INSERT INTO org_settings VALUES ('${B}');
  INSERT INTO "Order Items" VALUES (1), (2);
  INSERT INTO logs VALUES (2, '2026-05-01');
`;

describe('tenant-column-missing', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports each table that holds tenant rows through foreign keys only, naming the path', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    // logs_2026 is covered by its parent: a column added to logs reaches every partition
    expect([...problems.keys()].sort()).toEqual(['Order Items', 'comments', 'logs', 'org_settings', 'tasks']);
    expect(problems.get('tasks')!.message).toContain('through tasks.project_id → projects → organizations, and no policy pins them');
    expect([...problems.values()].every((p) => p.severity === undefined)).toBe(true);
    expect(problems.get('comments')!.message).toContain('through comments.task_id → tasks.project_id → projects → organizations,');
    expect(problems.get('org_settings')!.message).toContain('through org_settings.org → organizations,');
    expect(problems.get('Order Items')!.message).toMatch(/^public\."Order Items" has no organization_id column.*"Order Items"\."Project Id" → projects/);
  });

  it('is a warning when the policies provably keep each role to its tenant through the parent', async () => {
    const joinPolicy = `
      CREATE ROLE app_user;
      GRANT SELECT, INSERT, UPDATE, DELETE ON tasks, projects TO app_user;
      ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant ON tasks TO app_user
        USING (project_id IN (SELECT p.id FROM projects p WHERE p.organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)))`;
    const scoped = problemsByObject(rule, await ruleContextAfter(db, joinPolicy)).get('tasks')!;
    expect(scoped.severity).toBe('warning');
    expect(scoped.message).toBe(
      'public.tasks has no organization_id column: its policies keep each role to its tenant by joining through ' +
        'tasks.project_id → projects → organizations, which holds, but runs the join for every row and trusts that the parent key always points into the same tenant',
    );
    // one loose policy beside it and the table is open again: no longer provably scoped
    const loose = problemsByObject(rule, await ruleContextAfter(db, `${joinPolicy}; CREATE POLICY everyone ON tasks FOR SELECT TO app_user USING (true)`));
    expect(loose.get('tasks')!.severity).toBeUndefined();
  });

  it('its fixes add a typed, backfilled, NOT NULL, referencing, indexed column — after which nothing is reported', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const fix = (name: string) => problems.get(name)!.fix!.sql;
    expect(fix('tasks')).toContain('ADD COLUMN "organization_id" uuid;');
    expect(fix('comments')).toMatch(/-- run after public\.tasks has organization_id/);
    expect(fix('comments')).toMatch(/-- rows whose task_id is NULL get no organization_id/);
    const applied = [fix('tasks'), 'DELETE FROM comments WHERE task_id IS NULL;', fix('comments'), fix('org_settings'), fix('Order Items'), fix('logs')];
    await db.client.query('BEGIN');
    try {
      await db.client.query(applied.join('\n'));
      const rows = async (sql: string) => (await db.client.query(sql)).rows;
      expect(await rows('SELECT id, organization_id FROM tasks ORDER BY id')).toEqual([{ id: 10, organization_id: A }, { id: 20, organization_id: B }]);
      expect(await rows('SELECT id, organization_id FROM comments ORDER BY id')).toEqual([{ id: 100, organization_id: A }, { id: 200, organization_id: B }]);
      expect(await rows('SELECT organization_id FROM org_settings')).toEqual([{ organization_id: B }]);
      expect(await rows('SELECT organization_id FROM "Order Items" ORDER BY 1')).toEqual([{ organization_id: A }, { organization_id: B }]);
      expect(await rows('SELECT organization_id FROM logs_2026')).toEqual([{ organization_id: B }]);
      await expect(db.client.query(`INSERT INTO tasks VALUES (30, 1, '00000000-0000-0000-0000-0000000000ff')`)).rejects.toThrow(/foreign key/);
    } finally {
      await db.client.query('ROLLBACK');
    }
    const after = await ruleContextAfter(db, applied.join('\n'));
    expect(rule.check(after)).toEqual([]);
    const tasks = after.catalog.tables.find((t) => t.name === 'tasks')!;
    expect(tasks.columns.find((c) => c.name === 'organization_id')).toMatchObject({ type: 'uuid', notNull: true });
    expect(tasks.indexes.some((i) => i.columns[0] === 'organization_id')).toBe(true);
  });

  it('a NULL parent key stops the fix at SET NOT NULL, as its comment says', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    await db.client.query('BEGIN');
    try {
      await db.client.query(problems.get('tasks')!.fix!.sql);
      await expect(db.client.query(problems.get('comments')!.fix!.sql)).rejects.toThrow(/null value|contains null values/);
    } finally {
      await db.client.query('ROLLBACK');
    }
  });
});
