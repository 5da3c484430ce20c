import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/tenant-column-unindexed.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id int NOT NULL, organization_id int NOT NULL REFERENCES organizations, PRIMARY KEY (organization_id, id));
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, archived boolean NOT NULL);
  CREATE INDEX notes_live_idx ON notes (organization_id) WHERE NOT archived;
  CREATE TABLE labels (id int PRIMARY KEY, name text, organization_id int NOT NULL REFERENCES organizations);
  CREATE INDEX labels_name_org_idx ON labels (name, organization_id);
  CREATE TABLE events (organization_id int NOT NULL REFERENCES organizations, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE INDEX events_org_idx ON events (organization_id, at);
  CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE TABLE comments (id int PRIMARY KEY, task_id int NOT NULL);
`;

describe('tenant-column-unindexed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports tables without an index led by the tenant column (a partial or trailing one does not count)', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['labels', 'notes', 'projects']);
    expect(problems.get('projects')!.message).toBe(
      'public.projects has no index whose first column is organization_id: the tenant filter of every policy and query reads the whole table',
    );
  });

  it('its fix creates the index, and the planner can use it', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('projects')!.fix!;
    expect(fix.sql).toBe('CREATE INDEX "projects_organization_id_idx" ON "public"."projects" ("organization_id");');
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).has('projects')).toBe(false);
    await db.client.query('BEGIN');
    try {
      await db.client.query(fix.sql);
      await db.client.query('SET LOCAL enable_seqscan = off');
      const plan = (await db.client.query('EXPLAIN SELECT id FROM projects WHERE organization_id = 1')).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/projects_organization_id_idx/);
    } finally {
      await db.client.query('ROLLBACK');
    }
  });
});
