import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog, Table } from '../../src/catalog/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SCENARIO = `
  CREATE ROLE app_user;
  CREATE ROLE table_owner;
  CREATE ROLE login_user LOGIN;
  GRANT table_owner TO login_user;
  CREATE ROLE admin_bypass BYPASSRLS;
  ALTER ROLE app_user SET app.current_org_id = 'x';
  CREATE SCHEMA app;
  CREATE TYPE app.status AS ENUM ('open', 'closed');
  CREATE TABLE app.organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), slug text NOT NULL UNIQUE);
  CREATE TABLE app.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES app.organizations (id),
    name varchar(64),
    status app.status NOT NULL DEFAULT 'open',
    tags app.status[],
    UNIQUE (organization_id, id)
  );
  CREATE INDEX projects_org_name ON app.projects (organization_id, lower(name));
  CREATE TABLE app."Order Items" (
    project_id bigint NOT NULL,
    organization_id uuid NOT NULL,
    FOREIGN KEY (organization_id, project_id) REFERENCES app.projects (organization_id, id) ON DELETE CASCADE,
    CHECK (project_id > 0)
  );
  COMMENT ON TABLE app."Order Items" IS '@tenantguard global';
  ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
  ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;
  ALTER TABLE app.projects OWNER TO table_owner;
  CREATE POLICY tenant ON app.projects AS RESTRICTIVE FOR UPDATE TO app_user, login_user
    USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid))
    WITH CHECK (organization_id IS NOT NULL);
  CREATE POLICY open_read ON app.projects FOR SELECT USING (true);
  GRANT SELECT, INSERT ON app.projects TO app_user;
  GRANT TRUNCATE ON app.projects TO PUBLIC;
  CREATE TABLE app.events (organization_id uuid NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE VIEW app.project_names WITH (security_invoker = true) AS SELECT name FROM app.projects;
  CREATE MATERIALIZED VIEW app.project_counts AS SELECT organization_id, count(*) FROM app.projects GROUP BY 1;
  CREATE FUNCTION app.is_member(org uuid) RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = app, pg_temp
    AS $$ SELECT org IS NOT NULL $$;
  REVOKE EXECUTE ON FUNCTION app.is_member(uuid) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION app.is_member(uuid) TO app_user;
  CREATE POLICY member ON app."Order Items" USING (app.is_member(organization_id));
`;

describe('introspect', () => {
  let db: TestDatabase;
  let catalog: Catalog;
  const table = (name: string): Table => catalog.tables.find((t) => t.schema === 'app' && t.name === name)!;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
    catalog = await introspect(db.client, { schemas: ['app'] });
  });
  afterAll(() => db?.close());

  it('reads the database, schemas and tables in order', () => {
    expect(catalog.schemas).toEqual(['app']);
    expect(catalog.serverVersion).toBeGreaterThanOrEqual(150000);
    expect(catalog.tables.map((t) => t.name)).toEqual(['Order Items', 'events', 'events_2026', 'organizations', 'projects']);
    expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog);
  });

  it('reads columns with types, defaults, identity and enums', () => {
    const cols = Object.fromEntries(table('projects').columns.map((c) => [c.name, c]));
    expect(cols.id).toMatchObject({ type: 'bigint', typeName: 'int8', notNull: true, identity: 'a' });
    expect(cols.name).toMatchObject({ type: 'character varying(64)', notNull: false, default: null });
    expect(cols.status).toMatchObject({ typeCategory: 'e', enumValues: ['open', 'closed'], notNull: true });
    expect(cols.status!.default).toMatch(/'open'::app\.status/);
    expect(cols.tags).toMatchObject({ type: 'app.status[]', enumValues: ['open', 'closed'] });
  });

  it('reads constraints and indexes with ordered column lists', () => {
    const items = table('Order Items');
    const fk = items.constraints.find((c) => c.type === 'foreign-key')!;
    expect(fk.columns).toEqual(['organization_id', 'project_id']);
    expect(fk.references).toEqual({ schema: 'app', name: 'projects', columns: ['organization_id', 'id'] });
    expect(fk).toMatchObject({ onDelete: 'CASCADE', onUpdate: 'NO ACTION', definition: null });
    expect(items.constraints.find((c) => c.type === 'check')!.definition).toMatch(/project_id > 0/);
    expect(items.comment).toBe('@tenantguard global');
    const idx = table('projects').indexes.find((i) => i.name === 'projects_org_name')!;
    expect(idx.columns).toEqual(['organization_id', null]);
    expect(table('projects').indexes.find((i) => i.primary)!.constraint).toBe('projects_pkey');
  });

  it('reads RLS flags, owner, policies and grants', () => {
    const p = table('projects');
    expect(p).toMatchObject({ rlsEnabled: true, rlsForced: true, owner: db.role('table_owner') });
    const tenant = p.policies.find((x) => x.name === 'tenant')!;
    expect(tenant).toMatchObject({ command: 'UPDATE', permissive: false, roles: [db.role('app_user'), db.role('login_user')] });
    expect(tenant.using).toMatch(/current_setting\('app\.current_org_id'::text, true\)/);
    expect(tenant.withCheck).toBe('(organization_id IS NOT NULL)');
    expect(tenant.dependsOn.columns).toEqual(['organization_id']);
    const open = p.policies.find((x) => x.name === 'open_read')!;
    expect(open).toMatchObject({ command: 'SELECT', permissive: true, roles: ['public'], using: 'true', withCheck: null });
    const member = table('Order Items').policies[0]!;
    expect(member.dependsOn.functions).toEqual([{ schema: 'app', name: 'is_member' }]);
    const grants = Object.fromEntries(p.grants.map((g) => [g.grantee, g.privileges.sort()]));
    expect(grants[db.role('app_user')]).toEqual(['INSERT', 'SELECT']);
    expect(grants.PUBLIC).toEqual(['TRUNCATE']);
    expect(grants[db.role('table_owner')]).toContain('DELETE');
    // a table never granted on: only its owner holds privileges
    expect(table('organizations').grants.map((g) => g.grantee)).toEqual([catalog.currentUser]);
  });

  it('reads partitions with their parent', () => {
    expect(table('events').kind).toBe('partitioned-table');
    expect(table('events_2026').partitionOf).toEqual({ schema: 'app', name: 'events' });
    expect(table('events').partitionOf).toBeNull();
  });

  it('reads views, materialized views and their dependencies', () => {
    const v = catalog.views.find((x) => x.name === 'project_names')!;
    expect(v).toMatchObject({ kind: 'view', securityInvoker: true, dependsOn: [{ schema: 'app', name: 'projects' }] });
    const m = catalog.views.find((x) => x.name === 'project_counts')!;
    expect(m).toMatchObject({ kind: 'materialized-view', securityInvoker: false });
    expect(m.dependsOn).toEqual([{ schema: 'app', name: 'projects' }]);
  });

  it('reads functions with security definer, search_path and EXECUTE grantees', () => {
    const f = catalog.functions.find((x) => x.name === 'is_member')!;
    expect(f).toMatchObject({ securityDefiner: true, searchPath: 'app, pg_temp', language: 'sql', identityArguments: 'org uuid' });
    expect(f.executeGrantees.sort()).toEqual([catalog.currentUser, db.role('app_user')].sort());
    expect(f.body).toMatch(/org IS NOT NULL/);
  });

  it('reads roles, memberships and setting defaults', () => {
    const role = (n: string) => catalog.roles.find((r) => r.name === db.role(n))!;
    expect(role('admin_bypass')).toMatchObject({ bypassRls: true, superuser: false });
    expect(role('login_user')).toMatchObject({ canLogin: true });
    expect(role('login_user').memberOf).toEqual([{ role: db.role('table_owner'), inherit: true, set: true, admin: false }]);
    expect(catalog.settingDefaults).toContainEqual({ role: db.role('app_user'), database: null, name: 'app.current_org_id', value: 'x' });
  });

  it('rejects a schema that does not exist, with a hint', async () => {
    await expect(introspect(db.client, { schemas: ['app', 'nope'] })).rejects.toMatchObject({
      message: expect.stringContaining('schema "nope" does not exist'),
      hint: expect.stringMatching(/existing schemas: app, public;/),
    });
  });

  it('reads every non-system schema when no filter is given', async () => {
    const all = await introspect(db.client);
    expect(all.schemas).toContain('app');
    expect(all.schemas).toContain('public');
    expect(all.schemas.some((s) => s.startsWith('pg_'))).toBe(false);
    expect(all).not.toHaveProperty('existingSchemas');
  });
});
