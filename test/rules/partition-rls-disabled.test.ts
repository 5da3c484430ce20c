import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/partition-rls-disabled.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE events (organization_id int NOT NULL REFERENCES organizations, at date NOT NULL) PARTITION BY RANGE (at);
  ALTER TABLE events ENABLE ROW LEVEL SECURITY; ALTER TABLE events FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON events TO app_user USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
  CREATE TABLE events_2028 PARTITION OF events FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');
  ALTER TABLE events_2028 ENABLE ROW LEVEL SECURITY;
  ALTER TABLE events OWNER TO migrator;
  ALTER TABLE events_2026 OWNER TO migrator; ALTER TABLE events_2027 OWNER TO migrator; ALTER TABLE events_2028 OWNER TO migrator;
  INSERT INTO events VALUES (1, '2026-02-01'), (2, '2026-03-01'), (1, '2028-02-01'), (2, '2028-03-01');
  -- granted directly: readable without any policy
  GRANT SELECT ON events, events_2026, events_2028 TO app_user;
`;

describe('partition-rls-disabled', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgs = (table: string) =>
    db.asRole('app_user', async (c) => (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.organization_id), { value: '1' });

  it('reports partitions with RLS off that a role can name directly', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()]).toEqual(['events_2026']);
    expect(problems.get('events_2026')!.message).toBe(
      `partition public.events_2026 of public.events has row level security disabled and ${db.role('app_user')} can query it directly: ` +
        "the policies of public.events guard only queries that name public.events, so naming the partition reads every organization's rows in it",
    );
  });

  it('agrees with Postgres: the parent filters, the open partition does not, the guarded one denies', async () => {
    expect(await orgs('events')).toEqual([1, 1]);
    expect(await orgs('events_2026')).toEqual([1, 2]);
    expect(await orgs('events_2028')).toEqual([]);
  });

  it('its fix makes direct access deny-all while the parent keeps working', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('events_2026')!.fix!;
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).size).toBe(0);
    const after = await db.asRole(
      'app_user',
      async (c) => {
        await c.query('RESET ROLE');
        await c.query(fix.sql);
        await c.query(`SET LOCAL ROLE ${db.role('app_user')}`);
        return [(await c.query('SELECT count(*)::int AS n FROM events_2026')).rows[0].n, (await c.query('SELECT count(*)::int AS n FROM events')).rows[0].n];
      },
      { value: '1' },
    );
    expect(after).toEqual([0, 2]);
  });
});
