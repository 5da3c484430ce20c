import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/tenant-context-default.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';
import { asLogin } from '../support/login-session.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE worker LOGIN;
  CREATE ROLE migrator NOLOGIN;
  ALTER ROLE app_user SET app.current_org_id = '1';
  ALTER ROLE worker SET app.timezone = 'UTC';
  CREATE ROLE tester LOGIN;
  ALTER ROLE tester SET app.current_org_id = '';
  -- roles are cluster-wide: one of another database's app, with the same setting name, and one that reaches the tables through worker
  CREATE ROLE other_app LOGIN;
  ALTER ROLE other_app SET app.current_org_id = '3';
  CREATE ROLE worker_login LOGIN IN ROLE worker;
  ALTER ROLE worker_login SET app.current_org_id = '2';
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO projects VALUES (1, 1), (2, 2);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user, worker USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  ALTER TABLE projects OWNER TO migrator;
  GRANT SELECT ON projects TO app_user, worker;
`;

describe('tenant-context-default', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports role defaults of the tenant setting, not of other settings nor empty ones', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual([db.role('app_user'), db.role('worker_login')].sort());
    expect(problems.get(db.role('app_user'))!.message).toBe(
      `role ${db.role('app_user')} has a default app.current_org_id = '1' (ALTER ROLE … SET): every session of it starts in that organization before the app chooses one, ` +
        "so a request that never sets app.current_org_id reads and writes that organization's rows",
    );
  });

  it('leaves out a role that reaches no tenant table of this database, whatever its default', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect(problems.has(db.role('other_app'))).toBe(false);
    // the same role once it is granted a tenant table is reported
    const ctx = await ruleContextAfter(db, `GRANT SELECT ON projects TO other_app`);
    expect(problemsByObject(rule, ctx).get(db.role('other_app'))!.fix!.sql).toBe(`ALTER ROLE "${db.role('other_app')}" RESET "app"."current_org_id";`);
  });

  it('reports a database default too, with a reset for each', async () => {
    const ctx = await ruleContextAfter(db, `ALTER DATABASE ${JSON.stringify(db.name)} SET app.current_org_id = '2'`);
    const problems = problemsByObject(rule, ctx);
    const database = problems.get(db.name)!;
    expect(database.object.kind).toBe('database');
    expect(database.fix!.sql).toBe(`ALTER DATABASE "${db.name}" RESET "app"."current_org_id";`);
    expect(problems.get(db.role('app_user'))!.fix!.sql).toBe(`ALTER ROLE "${db.role('app_user')}" RESET "app"."current_org_id";`);
  });

  // Role defaults are applied when a session logs in; an embedded instance is one session started as its
  // bootstrap superuser (its username option switches the role, as SET ROLE does), so only a server can show it.
  it.runIf(engine === 'server')('proves it: a session of app_user that never sets the tenant reads organization 1', async () => {
    const result = await asLogin(db, 'app_user', ['SELECT organization_id FROM projects']);
    expect(result.rows).toEqual([{ organization_id: 1 }]);
    const worker = await asLogin(db, 'worker', ['SELECT organization_id FROM projects']);
    expect(worker.rows).toEqual([]);
  });
});
