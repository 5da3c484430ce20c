/**
 * Every fact in docs/postgres-rls.md, proven on a real database: one `it` per
 * fact, named after its anchor, run on the server and on the embedded engine.
 * Reads run as a non-owner role inside a transaction that is rolled back.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engine, type TestDatabase } from './support/db.js';
import { asLogin } from './support/login-session.js';
import { attempt, explain, failure, organizations, sqlstate } from './support/postgres-facts.js';

/** The fail-closed, typed tenant context of the scaffolded policies. */
const CONTEXT = "NULLIF(current_setting('app.current_org_id', true), '')::int";
const TENANT = `organization_id = ${CONTEXT}`;

const ROLES = `
  CREATE ROLE app_user;
  CREATE ROLE migrator;
  CREATE ROLE owner_member;
  GRANT migrator TO owner_member;
  CREATE ROLE bypasser BYPASSRLS;
  CREATE ROLE bypass_member;
  GRANT bypasser TO bypass_member;
`;

/** A tenant table with one row for organization 1 and one for 2, owned by `migrator`, open to `app_user`. */
function tenantTable(name: string, options: { rls?: 'off' | 'enable' | 'force'; policy?: string } = {}): string {
  const rls = options.rls ?? 'enable';
  return `
    CREATE TABLE ${name} (id int PRIMARY KEY, organization_id int NOT NULL, slug text UNIQUE);
    INSERT INTO ${name} VALUES (1, 1, '${name}-one'), (2, 2, '${name}-two');
    ALTER TABLE ${name} OWNER TO migrator;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${name} TO app_user;
    ${rls === 'off' ? '' : `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;`}
    ${rls === 'force' ? `ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;` : ''}
    ${options.policy === undefined ? '' : `CREATE POLICY ${name}_tenant ON ${name} ${options.policy};`}
  `;
}

let db: TestDatabase;
/** Runs `fn` as `role` with organization `org`'s context (undefined: never set), rolled back. */
function inRole<T>(role: string, org: number | '' | undefined, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return db.asRole(role, fn, org === undefined ? undefined : { value: String(org) });
}
const orgs = (role: string, org: number | '' | undefined, table: string) => inRole(role, org, (c) => organizations(c, table));

/** The anchors of docs/postgres-rls.md proven here. */
const PROVEN = new Set<string>();

function fact(anchor: string, title: string, proof: () => Promise<void>) {
  PROVEN.add(anchor);
  it(`#${anchor}: ${title}`, proof);
}

describe('docs/postgres-rls.md', () => {
  beforeAll(async () => {
    db = await createTestDatabase({ setup: ROLES });
  });
  afterAll(() => db?.close());

  fact('rls-enable', 'policies filter nothing until RLS is enabled; enabled without a policy denies', async () => {
    await db.exec(tenantTable('f1', { rls: 'off' }) + `CREATE POLICY f1_tenant ON f1 USING (${TENANT});`);
    expect(await orgs('app_user', 1, 'f1')).toEqual([1, 2]);
    await db.exec('ALTER TABLE f1 ENABLE ROW LEVEL SECURITY; DROP POLICY f1_tenant ON f1;');
    expect(await orgs('app_user', 1, 'f1')).toEqual([]);
    expect(await inRole('app_user', 1, (c) => attempt(c, 'INSERT INTO f1 VALUES (3, 1)').then(failure))).toBe('42501');
  });

  fact('owner-bypass', 'owners and their INHERIT members skip the policies unless RLS is forced', async () => {
    await db.exec(tenantTable('f2', { policy: `USING (${TENANT})` }));
    expect(await orgs('app_user', 1, 'f2')).toEqual([1]);
    expect(await orgs('migrator', 1, 'f2')).toEqual([1, 2]);
    expect(await orgs('owner_member', 1, 'f2')).toEqual([1, 2]);
    await db.exec('ALTER TABLE f2 FORCE ROW LEVEL SECURITY');
    expect(await orgs('migrator', 1, 'f2')).toEqual([1]);
    expect(await orgs('owner_member', 1, 'f2')).toEqual([1]);
  });

  fact('bypassrls', 'superusers and BYPASSRLS roles skip even forced RLS; members get it only through SET ROLE', async () => {
    await db.exec(tenantTable('f3', { rls: 'force', policy: `USING (${TENANT})` }) + 'GRANT SELECT ON f3 TO bypasser;');
    expect(await organizations(db.client, 'f3')).toEqual([1, 2]); // the setup role is a superuser
    expect(await orgs('bypasser', 1, 'f3')).toEqual([1, 2]);
    // role attributes are not inherited: the member is filtered until it becomes the role
    expect(await orgs('bypass_member', 1, 'f3')).toEqual([1]);
    const after = await inRole('bypass_member', 1, async (c) => {
      await c.query(`SET ROLE ${db.role('bypasser')}`);
      return organizations(c, 'f3');
    });
    expect(after).toEqual([1, 2]);
  });

  fact('truncate', 'TRUNCATE is not subject to RLS', async () => {
    await db.exec(tenantTable('f4', { rls: 'force', policy: `USING (${TENANT})` }) + 'GRANT TRUNCATE ON f4 TO app_user;');
    const left = await inRole('app_user', 1, async (c) => {
      expect((await c.query('DELETE FROM f4')).rowCount).toBe(1);
      await c.query('TRUNCATE f4');
      await c.query('RESET ROLE');
      return organizations(c, 'f4');
    });
    expect(left).toEqual([]);
  });

  fact('partitions', 'policies apply to the table a query names; partitions keep their own RLS switch', async () => {
    await db.exec(`
      CREATE TABLE f5 (id int, organization_id int NOT NULL) PARTITION BY LIST (organization_id);
      CREATE TABLE f5_1 PARTITION OF f5 FOR VALUES IN (1);
      CREATE TABLE f5_2 PARTITION OF f5 FOR VALUES IN (2);
      INSERT INTO f5 VALUES (1, 1), (2, 2);
      ALTER TABLE f5 ENABLE ROW LEVEL SECURITY;
      CREATE POLICY f5_tenant ON f5 USING (${TENANT});
      GRANT SELECT ON f5, f5_2 TO app_user;
      CREATE TABLE f5_3 (id int, organization_id int NOT NULL);
      ALTER TABLE f5 ATTACH PARTITION f5_3 FOR VALUES IN (3);
    `);
    expect(await orgs('app_user', 1, 'f5')).toEqual([1]);
    expect(await orgs('app_user', 1, 'f5_2')).toEqual([2]);
    const { rows } = await db.client.query(`SELECT relname, relrowsecurity FROM pg_class WHERE relname LIKE 'f5%' ORDER BY relname`);
    expect(rows).toEqual([
      { relname: 'f5', relrowsecurity: true },
      { relname: 'f5_1', relrowsecurity: false },
      { relname: 'f5_2', relrowsecurity: false },
      { relname: 'f5_3', relrowsecurity: false },
    ]);
  });

  fact('views', "a view reads as its owner unless it is security_invoker", async () => {
    await db.exec(`${tenantTable('f6', { policy: `USING (${TENANT})` })}
      CREATE VIEW f6_owner AS SELECT * FROM f6;
      CREATE VIEW f6_invoker WITH (security_invoker = true) AS SELECT * FROM f6;
      ALTER VIEW f6_owner OWNER TO migrator; ALTER VIEW f6_invoker OWNER TO migrator;
      GRANT SELECT ON f6_owner, f6_invoker TO app_user;
    `);
    expect(await orgs('app_user', 1, 'f6_owner')).toEqual([1, 2]);
    expect(await orgs('app_user', 1, 'f6_invoker')).toEqual([1]);
  });

  fact('materialized-and-foreign', 'materialized views and foreign tables cannot have RLS', async () => {
    await db.exec(`${tenantTable('f7', { rls: 'force', policy: `USING (${TENANT})` })}
      CREATE MATERIALIZED VIEW f7_totals AS SELECT organization_id, count(*) AS n FROM f7 GROUP BY 1;
      GRANT SELECT ON f7_totals TO app_user;
      CREATE FOREIGN DATA WRAPPER f7_wrapper;
      CREATE SERVER f7_server FOREIGN DATA WRAPPER f7_wrapper;
      CREATE FOREIGN TABLE f7_remote (id int, organization_id int) SERVER f7_server;
    `);
    expect(await orgs('app_user', 1, 'f7_totals')).toEqual([1, 2]); // refreshed by a superuser: every tenant
    for (const relation of ['f7_totals', 'f7_remote']) {
      expect(await sqlstate(db.client.query(`ALTER TABLE ${relation} ENABLE ROW LEVEL SECURITY`))).toBe('42809');
      expect(await sqlstate(db.client.query(`CREATE POLICY p ON ${relation} USING (true)`))).toBe('42809');
    }
  });

  fact('security-definer', 'SECURITY DEFINER runs as the owner, EXECUTE is PUBLIC by default, and an unpinned search_path runs the caller\'s code', async () => {
    await db.exec(`${tenantTable('f8', { policy: `USING (${TENANT})` })}
      CREATE FUNCTION f8_all() RETURNS SETOF int LANGUAGE sql SECURITY DEFINER AS 'SELECT organization_id FROM f8 ORDER BY 1';
      CREATE FUNCTION f8_label() RETURNS text LANGUAGE sql AS $$SELECT 'public'$$;
      CREATE FUNCTION f8_report() RETURNS text LANGUAGE sql SECURITY DEFINER AS 'SELECT f8_label()';
      CREATE FUNCTION f8_pinned() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS 'SELECT f8_label()';
      ALTER FUNCTION f8_all() OWNER TO migrator; ALTER FUNCTION f8_report() OWNER TO migrator; ALTER FUNCTION f8_pinned() OWNER TO migrator;
      CREATE SCHEMA f8_mine AUTHORIZATION app_user;
    `);
    const seen = await inRole('app_user', 1, async (c) => {
      const all = (await c.query('SELECT f8_all() AS o')).rows.map((r) => r.o);
      await c.query('GRANT USAGE ON SCHEMA f8_mine TO PUBLIC');
      await c.query(`CREATE FUNCTION f8_mine.f8_label() RETURNS text LANGUAGE sql AS 'SELECT current_user::text'`);
      await c.query('SET LOCAL search_path = f8_mine, public');
      const report = (await c.query('SELECT public.f8_report() AS r')).rows[0].r;
      const pinned = (await c.query('SELECT public.f8_pinned() AS r')).rows[0].r;
      return { all, report, pinned };
    });
    expect(seen).toEqual({ all: [1, 2], report: db.role('migrator'), pinned: 'public' });
  });

  fact('permissive-restrictive', 'permissive policies are OR-ed, restrictive ones AND-ed, and one permissive must pass', async () => {
    await db.exec(`${tenantTable('f9', { policy: `USING (${TENANT})` })}
      INSERT INTO f9 VALUES (3, 3);
      CREATE POLICY f9_loose ON f9 USING (organization_id = 3);
    `);
    expect(await orgs('app_user', 1, 'f9')).toEqual([1, 3]);
    await db.exec(`CREATE POLICY f9_bound ON f9 AS RESTRICTIVE USING (${TENANT})`);
    expect(await orgs('app_user', 1, 'f9')).toEqual([1]);
    await db.exec('DROP POLICY f9_tenant ON f9; DROP POLICY f9_loose ON f9;');
    expect(await orgs('app_user', 1, 'f9')).toEqual([]);
  });

  fact('with-check-fallback', 'FOR ALL / FOR UPDATE reuse USING as the check; INSERT without WITH CHECK and UPDATE without USING admit nothing', async () => {
    await db.exec(`${tenantTable('f10', { policy: `USING (${TENANT})` })}
      ${tenantTable('f10u', { policy: `FOR UPDATE USING (${TENANT})` })}
      CREATE POLICY f10u_read ON f10u FOR SELECT USING (true);
      ${tenantTable('f10i', { policy: 'FOR INSERT' })}
      ${tenantTable('f10n', { policy: 'FOR UPDATE WITH CHECK (true)' })}
      CREATE POLICY f10n_read ON f10n FOR SELECT USING (true);
    `);
    const outcomes = await inRole('app_user', 1, async (c) => [
      failure(await attempt(c, 'INSERT INTO f10 VALUES (3, 2)')),
      failure(await attempt(c, 'UPDATE f10u SET organization_id = 2 WHERE id = 1')),
      failure(await attempt(c, 'INSERT INTO f10i VALUES (3, 1)')),
      ((await attempt(c, 'UPDATE f10n SET slug = slug')) as { rowCount: number }).rowCount,
    ]);
    expect(outcomes).toEqual(['42501', '42501', '42501', 0]);
  });

  fact('write-leaks', 'a weak check writes into other tenants; SELECT policies re-check only statements that read columns', async () => {
    await db.exec(`${tenantTable('f11', { policy: `FOR SELECT USING (${TENANT})` })}
      CREATE POLICY f11_insert ON f11 FOR INSERT WITH CHECK (true);
      CREATE POLICY f11_update ON f11 FOR UPDATE USING (${TENANT}) WITH CHECK (true);
    `);
    const outcomes = await inRole('app_user', 1, async (c) => {
      const insert = failure(await attempt(c, 'INSERT INTO f11 VALUES (3, 2)'));
      const returning = failure(await attempt(c, 'INSERT INTO f11 VALUES (4, 2) RETURNING id'));
      const where = failure(await attempt(c, 'UPDATE f11 SET organization_id = 2 WHERE id = 1'));
      const noWhere = failure(await attempt(c, 'UPDATE f11 SET organization_id = 2'));
      await c.query('RESET ROLE');
      return { insert, returning, where, noWhere, after: await organizations(c, 'f11') };
    });
    expect(outcomes).toEqual({ insert: 'allowed', returning: '42501', where: '42501', noWhere: 'allowed', after: [2, 2, 2] });
  });

  fact('to-public', 'a policy without TO applies to every role, including roles created later', async () => {
    await db.exec(`${tenantTable('f12', { policy: `TO app_user USING (${TENANT})` })}
      CREATE POLICY f12_admin ON f12 FOR SELECT USING (true);
      CREATE ROLE late_role;
      GRANT SELECT ON f12 TO late_role;
    `);
    const { rows } = await db.client.query(`SELECT polroles = '{0}' AS public FROM pg_policy WHERE polname = 'f12_admin'`);
    expect(rows).toEqual([{ public: true }]);
    expect(await orgs('app_user', 1, 'f12')).toEqual([1, 2]);
    expect(await orgs('late_role', 1, 'f12')).toEqual([1, 2]);
  });

  fact('tautologies', "a column compared with itself, or an unqualified column bound to the subquery's own table, admits every row", async () => {
    await db.exec(`${tenantTable('f13', { policy: 'USING (organization_id = organization_id)' })}
      CREATE TABLE f13_members (organization_id int, member name);
      INSERT INTO f13_members VALUES (1, 'app_user');
      GRANT SELECT ON f13_members TO app_user;
      ${tenantTable('f13_loose', { policy: 'USING (EXISTS (SELECT 1 FROM f13_members m WHERE m.organization_id = organization_id AND m.member = current_user))' })}
      ${tenantTable('f13_scoped', { policy: 'USING (EXISTS (SELECT 1 FROM f13_members m WHERE m.organization_id = f13_scoped.organization_id AND m.member = current_user))' })}
    `);
    expect(await orgs('app_user', undefined, 'f13')).toEqual([1, 2]);
    expect(await orgs('app_user', undefined, 'f13_loose')).toEqual([1, 2]);
    expect(await orgs('app_user', undefined, 'f13_scoped')).toEqual([1]);
  });

  fact('empty-context', "an unset setting reads NULL, but '' once a SET LOCAL transaction ended or after RESET", async () => {
    const name = `app.f14_${db.name.slice(-8)}`;
    const read = async () => (await db.client.query('SELECT current_setting($1, true) AS v', [name])).rows[0].v;
    expect(await read()).toBeNull();
    await db.client.query('BEGIN');
    await db.client.query(`SELECT set_config($1, '1', true)`, [name]);
    await db.client.query('COMMIT');
    expect(await read()).toBe('');
    await db.client.query(`SET ${name} = '2'`);
    await db.client.query(`RESET ${name}`);
    expect(await read()).toBe('');
    expect(await sqlstate(db.client.query(`SELECT current_setting('${name}', true)::uuid`))).toBe('22P02');
    expect((await db.client.query(`SELECT NULLIF(current_setting('${name}', true), '')::uuid AS v`)).rows[0].v).toBeNull();
  });

  fact('missing-ok', 'without missing_ok an unset setting raises an error', async () => {
    const name = `app.f15_${db.name.slice(-8)}`;
    expect(await sqlstate(db.client.query(`SELECT current_setting('${name}')`))).toBe('42704');
    expect((await db.client.query(`SELECT current_setting('${name}', true) AS v`)).rows[0].v).toBeNull();
  });

  fact('session-settings', 'set_config(…, false) and SET outlive the transaction; set_config(…, true) does not', async () => {
    const [session, plain, local] = ['a', 'b', 'c'].map((s) => `app.f16${s}_${db.name.slice(-8)}`);
    await db.client.query('BEGIN');
    await db.client.query(`SELECT set_config($1, '1', false), set_config($2, '1', true)`, [session, local]);
    await db.client.query(`SET ${plain} = '1'`);
    await db.client.query('COMMIT');
    const { rows } = await db.client.query('SELECT current_setting($1, true) AS s, current_setting($2, true) AS p, current_setting($3, true) AS l', [session, plain, local]);
    expect(rows[0]).toEqual({ s: '1', p: '1', l: '' });
    await db.client.query(`RESET ${session}; RESET ${plain}`);
  });

  fact('custom-settings', 'any role can set a custom setting, so a policy that trusts one is open to every client', async () => {
    await db.exec(`${tenantTable('f17', { policy: `USING (${TENANT} OR current_setting('app.is_superadmin', true) = 'on')` })}
      ${tenantTable('f17_null', { policy: `USING (${CONTEXT} IS NULL OR ${TENANT})` })}
      ${tenantTable('f17_coalesce', { policy: `USING (organization_id = COALESCE(${CONTEXT}, organization_id))` })}
    `);
    const flipped = await inRole('app_user', 1, async (c) => {
      await c.query(`SET LOCAL app.is_superadmin = 'on'`);
      return organizations(c, 'f17');
    });
    expect(flipped).toEqual([1, 2]);
    expect(await orgs('app_user', '', 'f17_null')).toEqual([1, 2]);
    expect(await orgs('app_user', '', 'f17_coalesce')).toEqual([1, 2]);
    expect(await orgs('app_user', 1, 'f17_coalesce')).toEqual([1]);
  });

  fact('setting-defaults', 'a role default for the context is stored in pg_db_role_setting and applies at login, not at SET ROLE', async () => {
    await db.exec(`${tenantTable('f18', { policy: `USING (${TENANT})` })}
      CREATE ROLE f18_login LOGIN; GRANT SELECT ON f18 TO f18_login;
      ALTER ROLE f18_login SET app.current_org_id = '2';
    `);
    const { rows } = await db.client.query(
      `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = $1`,
      [db.role('f18_login')],
    );
    expect(rows).toEqual([{ setconfig: ['app.current_org_id=2'] }]);
    expect(await orgs('f18_login', undefined, 'f18')).toEqual([]);
    // the embedded engine is one session that cannot log in again as another role
    if (engine === 'server') {
      const login = await asLogin(db, 'f18_login', ['SELECT organization_id FROM f18']);
      expect(login.rows).toEqual([{ organization_id: 2 }]);
    }
  });

  fact('casts-and-indexes', 'casting the tenant column keeps its index out of the plan; casting the setting does not', async () => {
    await db.exec(`${tenantTable('f19_cast', { policy: `USING (organization_id::text = current_setting('app.current_org_id', true))` })}
      ${tenantTable('f19_typed', { policy: `USING (${TENANT})` })}
      CREATE INDEX ON f19_cast (organization_id); CREATE INDEX ON f19_typed (organization_id);
    `);
    const plans = await inRole('app_user', 1, async (c) => {
      await c.query('SET LOCAL enable_seqscan = off');
      return { cast: await explain(c, 'SELECT * FROM f19_cast'), typed: await explain(c, 'SELECT * FROM f19_typed') };
    });
    expect(plans.cast).toMatch(/Seq Scan on f19_cast/);
    expect(plans.typed).toMatch(/Index Cond: \(organization_id = /);
  });

  fact('initplan', 'a context call wrapped in a scalar subquery is an InitPlan, run once per statement', async () => {
    await db.exec(`${tenantTable('f20_bare', { policy: `USING (${TENANT})` })}
      ${tenantTable('f20_wrapped', { policy: `USING (organization_id = (SELECT ${CONTEXT}))` })}
    `);
    const plans = await inRole('app_user', 1, async (c) => ({
      bare: await explain(c, 'SELECT * FROM f20_bare'),
      wrapped: await explain(c, 'SELECT * FROM f20_wrapped'),
    }));
    expect(plans.bare).not.toMatch(/InitPlan/);
    expect(plans.bare).toMatch(/Filter: \(organization_id = \(NULLIF\(current_setting/);
    expect(plans.wrapped).toMatch(/InitPlan 1/);
  });

  fact('tenant-index', 'an index that leads with the tenant column serves the policy; one that leads with another column does not', async () => {
    const table = (name: string, index: string) => `
      CREATE TABLE ${name} (id int PRIMARY KEY, organization_id int NOT NULL);
      INSERT INTO ${name} SELECT g, g % 100 FROM generate_series(1, 2000) g;
      CREATE INDEX ${name}_idx ON ${name} (${index});
      ANALYZE ${name};
      GRANT SELECT ON ${name} TO app_user;
      ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;
      CREATE POLICY ${name}_tenant ON ${name} USING (organization_id = (SELECT ${CONTEXT}));
    `;
    await db.exec(table('f21_leading', 'organization_id, id') + table('f21_trailing', 'id, organization_id'));
    const plans = await inRole('app_user', 3, async (c) => ({
      leading: await explain(c, 'SELECT * FROM f21_leading'),
      trailing: await explain(c, 'SELECT * FROM f21_trailing'),
    }));
    expect(plans.leading).toMatch(/Index Cond: \(organization_id = /);
    expect(plans.trailing).toMatch(/^Seq Scan on f21_trailing/);
  });

  fact('constraints-ignore-rls', 'unique and foreign-key checks see every tenant\'s rows', async () => {
    await db.exec(`${tenantTable('f22', { rls: 'force', policy: `USING (${TENANT})` })}
      ALTER TABLE f22 ADD UNIQUE (organization_id, id);
      CREATE TABLE f22_child (id int PRIMARY KEY, organization_id int NOT NULL, parent_id int REFERENCES f22 (id));
      CREATE TABLE f22_scoped (id int PRIMARY KEY, organization_id int NOT NULL, parent_id int,
        FOREIGN KEY (organization_id, parent_id) REFERENCES f22 (organization_id, id));
      GRANT SELECT, INSERT ON f22_child, f22_scoped TO app_user;
    `);
    const outcomes = await inRole('app_user', 1, async (c) => ({
      visible: await organizations(c, 'f22'),
      slug: failure(await attempt(c, `INSERT INTO f22 VALUES (3, 1, 'f22-two')`)),
      crossParent: failure(await attempt(c, 'INSERT INTO f22_child VALUES (1, 1, 2)')),
      noParent: failure(await attempt(c, 'INSERT INTO f22_child VALUES (2, 1, 9)')),
      composite: failure(await attempt(c, 'INSERT INTO f22_scoped VALUES (1, 1, 2)')),
    }));
    expect(outcomes).toEqual({ visible: [1], slug: '23505', crossParent: 'allowed', noParent: '23503', composite: '23503' });
  });

  fact('restrictive-checks-new-rows', 'a restrictive FOR ALL policy with USING only also checks new rows', async () => {
    await db.exec(`${tenantTable('f23', { policy: 'USING (true)' })}
      CREATE POLICY f23_bound ON f23 AS RESTRICTIVE USING (${TENANT});
    `);
    const outcomes = await inRole('app_user', 1, async (c) => [
      await organizations(c, 'f23'),
      failure(await attempt(c, 'INSERT INTO f23 VALUES (3, 2)')),
      failure(await attempt(c, 'UPDATE f23 SET organization_id = 2')),
    ]);
    expect(outcomes).toEqual([[1], '42501', '42501']);
  });

  fact('trigger-functions', 'a trigger function cannot be called directly', async () => {
    await db.exec(`CREATE FUNCTION f24_touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS 'BEGIN RETURN NEW; END'`);
    const outcome = await inRole('app_user', 1, (c) => attempt(c, 'SELECT f24_touch()'));
    expect(outcome).toMatchObject({ code: '0A000', message: 'trigger functions can only be called as triggers' });
  });

  fact('before-triggers', "a BEFORE ROW trigger sets the new row before the write check, looking up with the writer's rights", async () => {
    await db.exec(`
      ${tenantTable('f29_parent', { policy: `USING (${TENANT})` })}
      CREATE TABLE f29 (id int PRIMARY KEY, organization_id int, parent_id int NOT NULL);
      ALTER TABLE f29 ENABLE ROW LEVEL SECURITY;
      CREATE POLICY f29_add ON f29 FOR INSERT WITH CHECK (${TENANT});
      GRANT INSERT ON f29 TO app_user;
      CREATE FUNCTION f29_copy() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.organization_id := (SELECT p.organization_id FROM f29_parent p WHERE p.id = NEW.parent_id); RETURN NEW; END $$;
      CREATE TRIGGER f29_copy BEFORE INSERT ON f29 FOR EACH ROW EXECUTE FUNCTION f29_copy();
    `);
    // the statement names organization 2; the trigger copies 1 from the parent, and the check passes on that
    const landed = await inRole('app_user', 1, async (c) => {
      await c.query('INSERT INTO f29 VALUES (1, 2, 1)');
      await c.query('RESET ROLE');
      return (await c.query('SELECT organization_id FROM f29')).rows;
    });
    expect(landed).toEqual([{ organization_id: 1 }]);
    // parent 2 is another tenant's: the lookup finds nothing, and the check refuses the NULL it copied
    expect(failure(await inRole('app_user', 1, (c) => attempt(c, 'INSERT INTO f29 VALUES (1, 1, 2)')))).toBe('42501');
  });

  fact('search-path', "an operator on the search_path that matches the argument types exactly wins over pg_catalog's", async () => {
    await db.exec(`
      CREATE SCHEMA f25;
      CREATE FUNCTION f25.always(oid, integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
      CREATE OPERATOR f25.= (LEFTARG = oid, RIGHTARG = integer, FUNCTION = f25.always);
    `);
    const compare = async (path: string) => {
      await db.client.query('BEGIN');
      try {
        await db.client.query(`SET LOCAL search_path = ${path}`);
        return (await db.client.query(`SELECT count(*)::int AS n FROM pg_class WHERE oid = 0`)).rows[0].n;
      } finally {
        await db.client.query('ROLLBACK');
      }
    };
    expect(await compare('f25, public')).toBeGreaterThan(0);
    expect(await compare('pg_catalog, pg_temp')).toBe(0);
  });

  fact('cluster-wide-roles', 'roles and their settings are shared by the cluster; grants and policies belong to one database', async () => {
    const { rows } = await db.client.query(
      `SELECT relname, relisshared FROM pg_class WHERE relname IN ('pg_authid', 'pg_db_role_setting', 'pg_class', 'pg_policy') ORDER BY relname`,
    );
    expect(rows).toEqual([
      { relname: 'pg_authid', relisshared: true },
      { relname: 'pg_class', relisshared: false },
      { relname: 'pg_db_role_setting', relisshared: true },
      { relname: 'pg_policy', relisshared: false },
    ]);
    await db.exec(`${tenantTable('f26')} CREATE ROLE f26_stranger; ALTER ROLE f26_stranger SET app.current_org_id = '1';`);
    expect(failure(await inRole('f26_stranger', 1, (c) => attempt(c, 'SELECT * FROM f26')))).toBe('42501');
  });

  fact('tenant-identity', 'a tenant can be bound by login role, JWT claims or a helper, without an app setting', async () => {
    await db.exec(`
      CREATE TABLE f27_logins (member name PRIMARY KEY, organization_id int NOT NULL);
      INSERT INTO f27_logins VALUES ('app_user', 1);
      GRANT SELECT ON f27_logins TO app_user;
      CREATE FUNCTION f27_org() RETURNS int LANGUAGE sql STABLE AS 'SELECT organization_id FROM f27_logins WHERE member = current_user';
      ${tenantTable('f27_role', { policy: 'USING (organization_id = (SELECT organization_id FROM f27_logins WHERE member = current_user))' })}
      ${tenantTable('f27_jwt', { policy: `USING (organization_id = (current_setting('request.jwt.claims', true)::json ->> 'org')::int)` })}
      ${tenantTable('f27_helper', { policy: 'USING (organization_id = f27_org())' })}
    `);
    expect(await orgs('app_user', undefined, 'f27_role')).toEqual([1]);
    expect(await orgs('app_user', undefined, 'f27_helper')).toEqual([1]);
    const jwt = await db.asRole('app_user', (c) => organizations(c, 'f27_jwt'), { setting: 'request.jwt.claims', value: '{"org": "2"}' });
    expect(jwt).toEqual([2]);
  });

  fact('schema-usage', 'a table needs USAGE on its schema and a table privilege; search_path skips a schema without USAGE', async () => {
    await db.exec(`
      CREATE SCHEMA f30; CREATE SCHEMA f30_other;
      CREATE TABLE f30.t (secret text); INSERT INTO f30.t VALUES ('f30');
      CREATE TABLE f30_other.t (secret text); INSERT INTO f30_other.t VALUES ('f30_other');
      CREATE ROLE f30_reader;
      GRANT SELECT ON f30.t, f30_other.t TO f30_reader;
    `);
    const read = (sql: string) => inRole('f30_reader', undefined, (c) => attempt(c, sql));
    expect(failure(await read('SELECT secret FROM f30.t'))).toBe('42501'); // the table grant alone
    await db.exec('GRANT USAGE ON SCHEMA f30 TO f30_reader; REVOKE SELECT ON f30.t FROM f30_reader');
    expect(failure(await read('SELECT secret FROM f30.t'))).toBe('42501'); // USAGE alone
    await db.exec('GRANT SELECT ON f30.t TO f30_reader');
    expect(failure(await read('SELECT secret FROM f30.t'))).toBe('allowed');
    // f30_other comes first on the path, but without USAGE on it the name resolves to f30.t
    const resolved = await inRole('f30_reader', undefined, async (c) => {
      await c.query('SET LOCAL search_path = f30_other, f30');
      return (await c.query('SELECT secret FROM t')).rows;
    });
    expect(resolved).toEqual([{ secret: 'f30' }]);
  });

  fact('embedded-timeouts', 'the embedded engine does not enforce statement_timeout (the server does)', async () => {
    await db.client.query('BEGIN');
    try {
      await db.client.query(`SET LOCAL statement_timeout = '50ms'`);
      const outcome = await attempt(db.client, 'SELECT pg_sleep(0.3)');
      expect(failure(outcome)).toBe(engine === 'server' ? '57014' : 'allowed');
    } finally {
      await db.client.query('ROLLBACK');
    }
  });

  fact('scaffolded-shape', 'the scaffolded pair of policies isolates tenants even beside a loose permissive policy', async () => {
    const predicate = `organization_id = (SELECT ${CONTEXT})`;
    await db.exec(`${tenantTable('f28', { rls: 'force' })}
      CREATE POLICY tenant_access ON f28 AS PERMISSIVE FOR ALL TO app_user USING (${predicate}) WITH CHECK (${predicate});
      CREATE POLICY tenant_isolation ON f28 AS RESTRICTIVE FOR ALL TO app_user USING (${predicate}) WITH CHECK (${predicate});
      CREATE POLICY later_and_loose ON f28 FOR ALL USING (true) WITH CHECK (true);
    `);
    expect(await orgs('app_user', 1, 'f28')).toEqual([1]);
    expect(await orgs('app_user', '', 'f28')).toEqual([]);
    expect(await orgs('app_user', undefined, 'f28')).toEqual([]);
    expect(await orgs('migrator', 1, 'f28')).toEqual([1, 2]); // the owner is not TO app_user: the loose policy admits it
    const writes = await inRole('app_user', 1, async (c) => [
      failure(await attempt(c, 'INSERT INTO f28 VALUES (3, 2)')),
      failure(await attempt(c, 'UPDATE f28 SET organization_id = 2')),
      ((await attempt(c, 'DELETE FROM f28')) as { rowCount: number }).rowCount,
    ]);
    expect(writes).toEqual(['42501', '42501', 1]);
  });
});

/** Every file under `dir` (recursively). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('docs/postgres-rls.md anchors', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const doc = readFileSync(join(root, 'docs', 'postgres-rls.md'), 'utf8');
  const anchors = [...doc.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]!);

  it('every fact in the document is proven above, and every proof is a fact in the document', () => {
    expect([...anchors].sort()).toEqual([...PROVEN].sort());
    expect(new Set(anchors).size).toBe(anchors.length);
  });

  it('every citation in the sources, docs and templates names an anchor of the document', () => {
    const files = [...['src', 'docs', 'templates'].flatMap((dir) => filesUnder(join(root, dir))), join(root, 'README.md')];
    const missing = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/postgres-rls\.md((?:#[a-z0-9-]+(?:, )?)+)/g)]
        .flatMap((m) => m[1]!.match(/[a-z0-9-]+/g)!)
        .filter((anchor) => !anchors.includes(anchor))
        .map((anchor) => `${file.slice(root.length)}: #${anchor}`),
    );
    expect(missing).toEqual([]);
  });
});
