import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { tableKey, type Catalog } from '../../src/catalog/types.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { buildTenancy } from '../../src/tenancy/build.js';
import { describeForeignKeyPath } from '../../src/tenancy/describe.js';
import type { Tenancy } from '../../src/tenancy/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SCENARIO = `
  CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
  CREATE TABLE users (id uuid PRIMARY KEY);
  CREATE TABLE organization_members (
    organization_id uuid NOT NULL REFERENCES organizations, user_id uuid NOT NULL REFERENCES users,
    PRIMARY KEY (organization_id, user_id));
  CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, team_id int);
  CREATE TABLE tasks (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects);
  CREATE TABLE comments (id uuid PRIMARY KEY, author_id uuid REFERENCES users, task_id uuid REFERENCES tasks);
  CREATE TABLE org_settings (org uuid PRIMARY KEY REFERENCES organizations (id));
  -- two equally short paths: the constraint name decides, not declaration order
  CREATE TABLE links (
    second_project uuid CONSTRAINT links_b_fkey REFERENCES projects,
    first_project uuid CONSTRAINT links_a_fkey REFERENCES projects);
  -- global by config; what hangs off it is not tenant data through it
  CREATE TABLE plans (id int PRIMARY KEY, organization_id uuid REFERENCES organizations);
  CREATE TABLE plan_features (plan_id int REFERENCES plans);
  CREATE TABLE countries (code text PRIMARY KEY, organization_id uuid);
  COMMENT ON TABLE countries IS 'ISO list. @tenantguard global';
  CREATE TABLE cycle_a (id int PRIMARY KEY, b_id int);
  CREATE TABLE cycle_b (id int PRIMARY KEY, a_id int REFERENCES cycle_a);
  ALTER TABLE cycle_a ADD FOREIGN KEY (b_id) REFERENCES cycle_b;
  CREATE TABLE events (organization_id uuid NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE TABLE logs (project_id uuid REFERENCES projects, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE TABLE logs_2026 PARTITION OF logs FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE SCHEMA billing;
  CREATE TABLE billing.accounts (id bigint PRIMARY KEY);
  CREATE TABLE billing.legacy_accounts (id bigint PRIMARY KEY);
  CREATE TABLE billing.invoices (id int PRIMARY KEY, account_id bigint REFERENCES billing.accounts);
  CREATE TABLE billing.payments (invoice_id int REFERENCES billing.invoices, account_id bigint REFERENCES billing.accounts);
  CREATE TABLE billing.audit (account_id bigint REFERENCES billing.legacy_accounts);
  CREATE TABLE billing.organizations (id int PRIMARY KEY);
`;

describe('buildTenancy', () => {
  let db: TestDatabase;
  let catalog: Catalog;
  const config = (overrides: Partial<Config> = {}): Config => ({ ...DEFAULT_CONFIG, globalTables: ['plans'], ...overrides });
  const keys = (t: Tenancy) => t.tenantTables.map((tt) => tableKey(tt.table));
  const entry = (t: Tenancy, key: string) => t.tenantTableByKey.get(key)!;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
    catalog = await introspect(db.client, { schemas: ['public', 'billing'] });
  });
  afterAll(() => db?.close());

  it('finds the root the tenant column references and every table holding tenant rows', () => {
    const tenancy = buildTenancy(catalog, config());
    expect(tableKey(tenancy.root!)).toBe('public.organizations');
    expect(tenancy.rootKey).toEqual({ column: 'id', type: 'uuid' });
    expect(keys(tenancy)).toEqual([
      'public.comments', 'public.events', 'public.events_2026', 'public.links', 'public.logs', 'public.logs_2026',
      'public.org_settings', 'public.organization_members', 'public.projects', 'public.tasks',
    ]);
    expect(tenancy.globalTables.map(tableKey)).toEqual(['public.countries', 'public.plans']);
  });

  it('marks direct tables and gives indirect ones their shortest foreign-key path', () => {
    const tenancy = buildTenancy(catalog, config());
    expect(entry(tenancy, 'public.organization_members')).toMatchObject({ direct: true, reason: 'tenant-column', path: [] });
    expect(entry(tenancy, 'public.events_2026')).toMatchObject({ direct: true, reason: 'tenant-column' });
    const comments = entry(tenancy, 'public.comments');
    expect(comments).toMatchObject({ direct: false, reason: 'foreign-key' });
    expect(comments.path.map((h) => [h.from.name, h.columns, h.to.name, h.referencedColumns])).toEqual([
      ['comments', ['task_id'], 'tasks', ['id']],
      ['tasks', ['project_id'], 'projects', ['id']],
    ]);
    expect(describeForeignKeyPath(tenancy, comments)).toBe('comments.task_id → tasks.project_id → projects → organizations');
    expect(describeForeignKeyPath(tenancy, entry(tenancy, 'public.org_settings'))).toBe('org_settings.org → organizations');
    expect(entry(tenancy, 'public.links').path.map((h) => h.constraint)).toEqual(['links_a_fkey']);
    expect(entry(tenancy, 'public.logs_2026')).toMatchObject({ direct: false, reason: 'foreign-key' });
  });

  it('does not reach tenant data through global tables, cycles or user tables', () => {
    const tenancy = buildTenancy(catalog, config());
    for (const key of ['public.plan_features', 'public.cycle_a', 'public.cycle_b', 'public.users', 'public.organizations']) {
      expect(tenancy.tenantTableByKey.has(key)).toBe(false);
    }
  });

  it('without the global entry, the table with the tenant column and what references it are tenant tables', () => {
    const tenancy = buildTenancy(catalog, config({ globalTables: [] }));
    expect(entry(tenancy, 'public.plans').direct).toBe(true);
    expect(describeForeignKeyPath(tenancy, entry(tenancy, 'public.plan_features'))).toBe('plan_features.plan_id → plans → organizations');
    expect(tenancy.tenantTableByKey.has('public.countries')).toBe(false);
  });

  it('picks the most referenced table as root, and accepts a configured root as name or schema.name', () => {
    const auto = buildTenancy(catalog, config({ tenantColumn: 'account_id' }));
    expect(tableKey(auto.root!)).toBe('billing.accounts');
    expect(auto.rootKey).toEqual({ column: 'id', type: 'bigint' });
    expect(keys(auto)).toEqual(['billing.audit', 'billing.invoices', 'billing.payments']);
    const named = buildTenancy(catalog, config({ tenantColumn: 'account_id', tenantTable: 'billing.legacy_accounts' }));
    expect(tableKey(named.root!)).toBe('billing.legacy_accounts');
    expect(tableKey(buildTenancy(catalog, config({ tenantTable: 'organizations' })).root!)).toBe('public.organizations');
  });

  it('falls back to public.organizations when the tenant column references nothing', () => {
    const tenancy = buildTenancy(catalog, config({ tenantColumn: 'team_id' }));
    expect(tableKey(tenancy.root!)).toBe('public.organizations');
    expect(tenancy.rootKey).toEqual({ column: 'id', type: 'uuid' });
    // team_id is on projects only; tables referencing projects or the root hold tenant rows too.
    expect(entry(tenancy, 'public.projects').direct).toBe(true);
    expect(keys(tenancy)).toEqual([
      'public.comments', 'public.links', 'public.logs', 'public.logs_2026', 'public.org_settings',
      'public.organization_members', 'public.projects', 'public.tasks',
    ]);
    expect(tenancy.tenantTableByKey.has('public.events')).toBe(false);
  });

  it('rejects a configured root that does not exist or is ambiguous', () => {
    expect(() => buildTenancy(catalog, config({ tenantTable: 'tenants' }))).toThrow(ConfigError);
    expect(() => buildTenancy(catalog, config({ tenantColumn: 'team_id', tenantTable: 'organizations' }))).toThrow(/ambiguous/);
  });

  it('is deterministic whatever order the catalog lists tables and constraints in', () => {
    const shuffled: Catalog = {
      ...catalog,
      tables: [...catalog.tables].reverse().map((t) => ({ ...t, constraints: [...t.constraints].reverse() })),
    };
    const summary = (t: Tenancy) => t.tenantTables.map((tt) => [tableKey(tt.table), tt.reason, tt.path.map((h) => h.constraint)]);
    expect(summary(buildTenancy(shuffled, config()))).toEqual(summary(buildTenancy(catalog, config())));
  });
});
