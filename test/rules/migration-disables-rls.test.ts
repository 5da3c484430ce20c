import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSql } from '../../src/db/migrations/split-sql.js';
import { trackMigrations } from '../../src/db/migrations/history.js';
import type { MigrationFile } from '../../src/db/types.js';
import rule from '../../src/rules/migration-disables-rls.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const TENANT = `organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const MIGRATIONS: [string, string][] = [
  [
    'migrations/0001_init.sql',
    `CREATE ROLE app_user;
CREATE TABLE organizations (id int PRIMARY KEY);
CREATE TABLE invoices (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
CREATE TABLE plans (id int PRIMARY KEY, organization_id int);
COMMENT ON TABLE plans IS '@tenantguard global';
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON invoices TO app_user USING (${TENANT});
CREATE POLICY tenant ON tasks TO app_user USING (${TENANT});
GRANT SELECT, INSERT, UPDATE, DELETE ON invoices, projects, tasks, plans TO app_user;
INSERT INTO organizations VALUES (1), (2);
INSERT INTO invoices VALUES (1, 1), (2, 2);
`,
  ],
  [
    'migrations/0002_drop_policies.sql',
    // What drizzle-kit generates when the last policy of a table leaves the schema.
    `DROP POLICY "tenant" ON "invoices";--> statement-breakpoint
ALTER TABLE "invoices" DISABLE ROW LEVEL SECURITY;
ALTER TABLE projects DISABLE ROW LEVEL SECURITY;
ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE plans DISABLE ROW LEVEL SECURITY;
`,
  ],
  ['migrations/0003_projects.sql', `ALTER TABLE projects ENABLE ROW LEVEL SECURITY;\n`],
];

describe('migration-disables-rls', () => {
  let db: TestDatabase;
  let ctx: RuleContext;
  beforeAll(async () => {
    db = await createTestDatabase();
    const files: MigrationFile[] = [];
    for (const [displayPath, text] of MIGRATIONS) {
      const statements = await splitSql(db.sql(text));
      for (const s of statements) await db.client.query(s.sql);
      files.push({ path: `/repo/${displayPath}`, displayPath, statements });
    }
    ctx = { ...(await ruleContext(db)), migrations: await trackMigrations({ layout: 'plain', files }) };
  });
  afterAll(() => db?.close());

  it('reports the migration whose DISABLE or NO FORCE is still in force, at its file and line', () => {
    const problems = rule.check(ctx);
    expect(problems.map((p) => [p.object.name, p.key, p.location])).toEqual([
      ['invoices', 'disable', { file: 'migrations/0002_drop_policies.sql', line: 2 }],
      ['tasks', 'no-force', { file: 'migrations/0002_drop_policies.sql', line: 4 }],
    ]);
    expect(problems[0]!.message).toMatch(/^migration migrations\/0002_drop_policies\.sql:2 runs DISABLE ROW LEVEL SECURITY on public\.invoices /);
    expect(problems[0]!.message).toContain(`every tenant's rows are open to ${db.role('app_user')}`);
    expect(problems[1]!.fix!.sql).toBe('ALTER TABLE "public"."tasks" FORCE ROW LEVEL SECURITY;');
  });

  it('ignores a disable that a later migration undid, global tables, and live databases', () => {
    const names = [...problemsByObject({ ...rule, check: (c) => rule.check(c).filter((p) => p.key === 'disable') }, ctx).keys()];
    expect(names).toEqual(['invoices']);
    expect(rule.check({ ...ctx, migrations: undefined })).toEqual([]);
  });

  it('proves the leak the migration opened: the app role reads every tenant', async () => {
    const rows = await db.asRole('app_user', async (c) => (await c.query('SELECT organization_id FROM invoices ORDER BY 1')).rows, {
      value: '1',
    });
    expect(rows.map((r) => r.organization_id)).toEqual([1, 2]);
  });
});
