/**
 * The probe's edges, each in its own schema of one database: a BEFORE
 * trigger that sends rows back to org A (no false alarm), a write the
 * policies let through and only a foreign key stopped, seeding as a table
 * owner under FORCE, the fallback when the app role cannot run a DO block,
 * refusal when the connected role cannot SET ROLE, and an abort mid-run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { TenantguardError } from '../../src/errors.js';
import { probeDatabase, type ProbeOptions } from '../../src/probe/probe.js';
import { ProbeAborted } from '../../src/probe/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { scenarioSql } from '../support/leak-scenarios.js';

const TENANT = "organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)";

const SETUP = `
CREATE ROLE app_user;
CREATE ROLE outsider;
-- May become app_user, but holds no privilege of its own to seed with.
CREATE ROLE seeder NOINHERIT;
GRANT app_user TO seeder;
CREATE ROLE table_owner;
GRANT app_user TO table_owner;

CREATE SCHEMA trig;
CREATE TABLE trig.organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE trig.notes (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES trig.organizations, body text NOT NULL);
-- The app may write any organization_id: a BEFORE trigger overwrites it with the context's.
CREATE FUNCTION trig.stamp_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.organization_id := NULLIF(current_setting('app.current_org_id', true), '')::uuid; RETURN NEW; END $$;
CREATE TRIGGER stamp_org BEFORE INSERT OR UPDATE ON trig.notes FOR EACH ROW EXECUTE FUNCTION trig.stamp_org();
ALTER TABLE trig.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE trig.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON trig.notes FOR SELECT TO app_user USING (${TENANT});
CREATE POLICY tenant_update ON trig.notes FOR UPDATE TO app_user USING (${TENANT}) WITH CHECK (true);
CREATE POLICY tenant_delete ON trig.notes FOR DELETE TO app_user USING (${TENANT});
CREATE POLICY any_insert ON trig.notes FOR INSERT TO app_user WITH CHECK (true);

CREATE SCHEMA composite;
CREATE TABLE composite.organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE composite.projects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES composite.organizations,
  UNIQUE (organization_id, id));
CREATE TABLE composite.tasks (id serial PRIMARY KEY, organization_id uuid NOT NULL, project_id uuid NOT NULL,
  FOREIGN KEY (organization_id, project_id) REFERENCES composite.projects (organization_id, id));
ALTER TABLE composite.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON composite.projects TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
ALTER TABLE composite.tasks ENABLE ROW LEVEL SECURITY;
-- The fallback check ignores organization_id; only the composite foreign key keeps a task in its project's organization.
CREATE POLICY task_access ON composite.tasks FOR ALL TO app_user USING (project_id IN (SELECT id FROM composite.projects));

CREATE SCHEMA owned;
CREATE TABLE owned.organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE owned.projects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES owned.organizations, name text NOT NULL);
ALTER TABLE owned.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE owned.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON owned.projects TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
ALTER TABLE owned.organizations OWNER TO table_owner;
ALTER TABLE owned.projects OWNER TO table_owner;
GRANT USAGE ON SCHEMA owned TO table_owner;

GRANT USAGE ON SCHEMA trig, composite, owned TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA trig, composite, owned TO app_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA trig, composite TO app_user;
`;

describe('probe edges', () => {
  let db: TestDatabase;
  const options: ProbeOptions = { statementTimeoutMs: 10_000, lockTimeoutMs: 2_000, nonce: 'edges' };

  /** Runs `fn` with `role` as the session user (what SET ROLE is checked against), then switches back. */
  async function asSessionUser<T>(role: string, fn: () => Promise<T>): Promise<T> {
    const { rows } = await db.client.query('SELECT session_user AS name');
    await db.client.query(`SET SESSION AUTHORIZATION ${db.role(role)}`);
    try {
      return await fn();
    } finally {
      // Not RESET: the embedded engine's reset value is the role just set.
      await db.client.query(`SET SESSION AUTHORIZATION "${rows[0].name}"`);
    }
  }

  async function contextFor(schema: string, appRole = db.role('app_user')) {
    const config = { ...DEFAULT_CONFIG, appRole, schemas: [schema] };
    return buildRuleContext(await introspect(db.client, { schemas: [schema] }), config);
  }

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
    await db.exec(`CREATE SCHEMA leak; GRANT USAGE ON SCHEMA leak TO app_user; SET search_path = leak, public;
      ${scenarioSql('isolated')} ${scenarioSql('insert-check-true')} RESET search_path;`);
  });
  afterAll(() => db?.close());

  it('does not report a write a BEFORE trigger sent back to org A', async () => {
    const report = await probeDatabase(db.client, await contextFor('trig'), options);
    expect(report.tablesProbed).toBe(1);
    expect(report.leaks.map((l) => l.check)).toEqual([]);
    // Without a context the trigger writes NULL: the rows were seeded under each organization's context.
    expect(report.notes).toEqual([expect.stringContaining('rows were seeded under app.current_org_id')]);
  });

  it('reports a write the policies let through even when a constraint stopped it', async () => {
    const report = await probeDatabase(db.client, await contextFor('composite'), options);
    const move = report.leaks.find((l) => l.case.table === 'composite.tasks' && l.check === 'move-to-other-org');
    expect(move?.detail).toMatch(/only a constraint stopped it \(23503/);
    expect(report.leaks.filter((l) => l.case.table === 'composite.projects')).toEqual([]);
  });

  it('seeds under each organization\'s context when RLS applies to the connected role (owner with FORCE)', async () => {
    const context = await contextFor('owned');
    const report = await asSessionUser('table_owner', () => probeDatabase(db.client, context, options));
    expect(report.tablesProbed).toBe(1);
    expect(report.leaks).toEqual([]);
    expect(report.notes).toEqual([expect.stringContaining('rows were seeded under app.current_org_id')]);
  });

  it('runs the writes one at a time, with the same verdicts, when the app role cannot run a DO block', async () => {
    const batched = await probeDatabase(db.client, await contextFor('leak'), options);
    await db.exec('REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC');
    try {
      const single = await probeDatabase(db.client, await contextFor('leak'), options);
      const verdicts = (r: typeof batched) => r.leaks.map((l) => `${l.case.table} ${l.check}`).sort();
      expect(verdicts(single)).toEqual(verdicts(batched));
      expect(verdicts(single)).toContain('leak.projects insert-for-other-org');
      expect(single.notes).toEqual([expect.stringMatching(/^writes ran one statement at a time: .*42501/)]);
      expect(batched.notes).toEqual([]);
    } finally {
      await db.exec('GRANT USAGE ON LANGUAGE plpgsql TO PUBLIC');
    }
  });

  it('refuses, with a hint, when the connected role cannot SET ROLE to the app role', async () => {
    const context = await contextFor('leak');
    const error = await asSessionUser('outsider', () => probeDatabase(db.client, context, options).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as TenantguardError).message).toMatch(/cannot SET ROLE to/);
    expect((error as TenantguardError).hint).toMatch(/GRANT .* TO <connected role>/);
  });

  it('fails, with a hint, when no row could be seeded: a probe that checked nothing is never clean', async () => {
    const context = await contextFor('leak');
    const error = await asSessionUser('seeder', () => probeDatabase(db.client, context, options).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as TenantguardError).message).toMatch(/^the probe checked no tenant table: no row could be inserted \(leak\.\w+: not probed, .*42501/);
    expect((error as TenantguardError).hint).toMatch(/superuser, a BYPASSRLS role or the tables' owner/);
  });

  it('fails, with a hint, when the app role holds no privilege on any tenant table', async () => {
    const error = await probeDatabase(db.client, await contextFor('leak', db.role('outsider')), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as TenantguardError).message).toMatch(/^the probe checked no tenant table: \S+outsider holds no privilege on any of the 4 it could seed$/);
  });

  it('refuses when the app role does not exist', async () => {
    const error = await probeDatabase(db.client, await contextFor('leak', 'no_such_role'), options).catch((e: unknown) => e);
    expect((error as TenantguardError).message).toBe('role "no_such_role" does not exist in this database');
  });

  it('rolls everything back when aborted mid-run, and leaves the connection usable', async () => {
    const count = async () => (await db.client.query('SELECT (SELECT count(*) FROM leak.projects) + (SELECT count(*) FROM leak.organizations) AS n')).rows[0].n;
    const before = await count();
    const controller = new AbortController();
    const error = await probeDatabase(db.client, await contextFor('leak'), {
      ...options,
      signal: controller.signal,
      onProgress: (message) => {
        if (message.startsWith('reading')) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeAborted);
    expect(await count()).toBe(before);
    // No transaction left open: a new one starts cleanly.
    const { rows } = await db.client.query("SELECT current_setting('transaction_isolation') AS level, txid_current_if_assigned() AS xid");
    expect(rows[0].xid).toBeNull();
  });
});
