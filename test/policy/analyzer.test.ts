import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog } from '../../src/catalog/types.js';
import { createPolicyAnalyzer, type PolicyAnalyzer } from '../../src/policy/analyzer.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`;

/** table name → USING expression; every table has organization_id NOT NULL, user_id, is_public. */
const CASES: Record<string, string> = {
  guc_wrapped: `organization_id = ${CTX}`,
  guc_plain: `organization_id = current_setting('app.current_org_id')::uuid`,
  guc_cast: `organization_id::text = current_setting('app.current_org_id', true)`,
  lit_true: `true`,
  lit_false: `false`,
  one_eq_one: `1 = 1`,
  col_eq_col: `organization_id = organization_id`,
  not_null_col: `organization_id IS NOT NULL`,
  nullable_not_null: `user_id IS NOT NULL`,
  or_true: `organization_id = ${CTX} OR true`,
  bypass_eq: `organization_id = ${CTX} OR current_setting('app.is_superadmin', true) = 'true'`,
  bypass_bool: `organization_id = ${CTX} OR current_setting('app.is_superadmin', true)::boolean`,
  bypass_helper: `organization_id = ${CTX} OR is_superadmin()`,
  fail_open_nullif: `NULLIF(current_setting('app.current_org_id', true), '') IS NULL OR organization_id = ${CTX}`,
  fail_open_coalesce: `organization_id = COALESCE(NULLIF(current_setting('app.current_org_id', true), '')::uuid, organization_id)`,
  member_in: `organization_id IN (SELECT organization_id FROM organization_members WHERE user_id = auth.uid())`,
  member_exists: `EXISTS (SELECT 1 FROM organization_members m WHERE m.organization_id = member_exists.organization_id AND m.user_id = auth.uid())`,
  member_self: `EXISTS (SELECT 1 FROM organization_members m WHERE m.organization_id = organization_id AND m.user_id = auth.uid())`,
  member_unscoped: `organization_id IN (SELECT organization_id FROM organization_members)`,
  member_reverse: `auth.uid() IN (SELECT user_id FROM organization_members m WHERE m.organization_id = member_reverse.organization_id)`,
  owner_only: `user_id = auth.uid()`,
  helper_sql: `is_org_member(organization_id)`,
  helper_plpgsql: `has_role_on_org(organization_id, 'admin')`,
  helper_set_in: `organization_id IN (SELECT get_orgs_for_user())`,
  helper_set_any: `organization_id = ANY (ARRAY(SELECT get_orgs_for_user()))`,
  helper_loose: `is_logged_in(organization_id)`,
  helper_dynamic: `dynamic_check(organization_id)`,
  helper_ctx: `organization_id = current_org_id()`,
  jwt_claim: `organization_id = ((auth.jwt() ->> 'org_id'))::uuid`,
  public_or: `organization_id = ${CTX} OR is_public`,
  admin_gate: `organization_id = ${CTX} OR EXISTS (SELECT 1 FROM admins WHERE admins.user_id = auth.uid())`,
  and_owner: `organization_id = ${CTX} AND user_id = auth.uid()`,
  role_gate: `auth.role() = 'authenticated'`,
  negated: `NOT (organization_id = ${CTX})`,
  other_col_set: `user_id IN (SELECT user_id FROM organization_members WHERE organization_id = ${CTX})`,
};

const SETUP = `
  CREATE SCHEMA auth;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $$;
  CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('request.jwt.claims', true), '')::jsonb $$;
  CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT current_setting('request.jwt.claims', true)::jsonb ->> 'role' $$;
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  CREATE TABLE organization_members (
    organization_id uuid NOT NULL REFERENCES organizations, user_id uuid NOT NULL, role text NOT NULL,
    PRIMARY KEY (organization_id, user_id));
  CREATE TABLE admins (user_id uuid PRIMARY KEY);
  CREATE FUNCTION is_org_member(p_org uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
    $$ SELECT EXISTS (SELECT 1 FROM organization_members WHERE organization_id = p_org AND user_id = auth.uid()) $$;
  CREATE FUNCTION has_role_on_org(org uuid, wanted text) RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
    DECLARE found_it boolean;
    BEGIN
      SELECT EXISTS (SELECT 1 FROM organization_members m
                     WHERE m.organization_id = has_role_on_org.org AND m.user_id = auth.uid()
                       AND (m.role = wanted OR wanted IS NULL)) INTO found_it;
      RETURN found_it;
    END $$;
  CREATE FUNCTION get_orgs_for_user() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
    $$ SELECT organization_id FROM organization_members WHERE user_id = auth.uid() $$;
  CREATE FUNCTION is_logged_in(org uuid) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT auth.uid() IS NOT NULL $$;
  CREATE FUNCTION dynamic_check(org uuid) RETURNS boolean LANGUAGE plpgsql AS $$
    DECLARE ok boolean;
    BEGIN EXECUTE 'SELECT true' INTO ok; RETURN ok; END $$;
  CREATE FUNCTION current_org_id() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid $$;
  CREATE FUNCTION is_superadmin() RETURNS boolean LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN current_setting('app.is_superadmin', true) = 'on'; END $$;
  CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects);
  CREATE POLICY by_project ON tasks USING (project_id IN (SELECT id FROM projects WHERE organization_id = ${CTX}));
  -- the same policy text on tables of the same shape, and on tables that differ only in a column it names
  CREATE TABLE same_a (id uuid PRIMARY KEY, organization_id uuid NOT NULL, created_by uuid NOT NULL, user_id uuid NOT NULL);
  CREATE TABLE same_b (id uuid PRIMARY KEY, organization_id uuid NOT NULL, created_by uuid NOT NULL, user_id uuid NOT NULL);
  CREATE TABLE same_nullable (id uuid PRIMARY KEY, organization_id uuid NOT NULL, created_by uuid NOT NULL, user_id uuid);
  CREATE POLICY by_tenant ON same_a USING (organization_id = ${CTX});
  CREATE POLICY by_tenant ON same_b USING (organization_id = ${CTX});
  CREATE POLICY by_creator ON same_a USING (created_by = ${CTX});
  CREATE POLICY with_user ON same_a USING (organization_id = ${CTX} OR user_id IS NOT NULL);
  CREATE POLICY with_user ON same_nullable USING (organization_id = ${CTX} OR user_id IS NOT NULL);
  -- storage.objects carries the tenant in its path; a table of the same shape beside it does not
  CREATE SCHEMA storage;
  CREATE TABLE storage.objects (id uuid PRIMARY KEY, bucket_id text, name text);
  CREATE TABLE storage.objects_copy (id uuid PRIMARY KEY, bucket_id text, name text);
  CREATE POLICY by_folder ON storage.objects USING (split_part(name, '/', 1) = (SELECT current_setting('app.current_org_id', true)));
  CREATE POLICY by_folder ON storage.objects_copy USING (split_part(name, '/', 1) = (SELECT current_setting('app.current_org_id', true)));
  ${Object.entries(CASES)
    .map(
      ([name, using]) => `
  CREATE TABLE ${name} (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, user_id uuid, is_public boolean NOT NULL DEFAULT false);
  CREATE POLICY p ON ${name} USING (${using});`,
    )
    .join('\n')}
`;

describe('policy analysis on a real catalog', () => {
  let db: TestDatabase;
  let catalog: Catalog;
  let analyzer: PolicyAnalyzer;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
    catalog = await introspect(db.client);
    analyzer = await createPolicyAnalyzer(catalog, 'organization_id', () => null);
  });
  afterAll(() => db?.close());

  const analyse = (table: string) => {
    const t = catalog.tables.find((x) => x.name === table)!;
    return analyzer.clause(t, t.policies[0]!, 'using', null)!;
  };
  const scopeOf = (table: string) => analyse(table).verdict.scope;
  const reasonKinds = (table: string) => analyse(table).verdict.reasons.map((r) => r.kind);

  it('pins the tenant column to current_setting in its forms', () => {
    expect(scopeOf('guc_wrapped')).toBe('tenant');
    expect(scopeOf('guc_plain')).toBe('tenant');
    expect(scopeOf('guc_cast')).toBe('tenant');
    expect(scopeOf('helper_ctx')).toBe('tenant');
    expect(scopeOf('jwt_claim')).toBe('tenant');
  });

  it('records casts of the tenant column and context calls evaluated per row', () => {
    expect(analyse('guc_wrapped').notes.unwrapped).toEqual([]);
    expect(analyse('guc_plain').notes.unwrapped).toHaveLength(1);
    expect(analyse('guc_cast').notes.casts).toEqual([expect.objectContaining({ column: 'organization_id', type: 'text' })]);
    expect(analyse('guc_wrapped').notes.casts).toEqual([]);
    expect(analyse('helper_ctx').notes.unwrapped).toEqual(['current_org_id()']);
  });

  it('finds tautologies', () => {
    for (const t of ['lit_true', 'one_eq_one', 'col_eq_col', 'not_null_col', 'or_true']) {
      expect(analyse(t).verdict, t).toMatchObject({ scope: 'open', alwaysTrue: true });
    }
    expect(analyse('nullable_not_null').verdict).toMatchObject({ scope: 'open', alwaysTrue: false });
    expect(scopeOf('lit_false')).toBe('deny');
  });

  it('finds settings any role can SET, directly or through a helper', () => {
    for (const t of ['bypass_eq', 'bypass_bool', 'bypass_helper']) {
      expect(scopeOf(t), t).toBe('open');
      expect(reasonKinds(t), t).toEqual(['bypass-setting']);
    }
    expect(analyse('bypass_eq').verdict.reasons[0]).toMatchObject({ setting: 'app.is_superadmin' });
  });

  it('finds fail-open context checks', () => {
    expect(reasonKinds('fail_open_nullif')).toEqual(['fail-open']);
    expect(reasonKinds('fail_open_coalesce')).toEqual(['fail-open']);
  });

  it('understands membership subqueries', () => {
    expect(scopeOf('member_in')).toBe('tenant');
    expect(scopeOf('member_exists')).toBe('tenant');
    expect(scopeOf('member_reverse')).toBe('tenant');
    expect(reasonKinds('member_self')).toContain('self-comparison');
    expect(scopeOf('member_self')).toBe('open');
    expect(reasonKinds('member_unscoped')).toEqual(['unscoped-subquery']);
  });

  it('reads helper bodies (SQL, PL/pgSQL, set-returning)', () => {
    expect(scopeOf('helper_sql')).toBe('tenant');
    expect(scopeOf('helper_plpgsql')).toBe('tenant');
    expect(scopeOf('helper_set_in')).toBe('tenant');
    expect(scopeOf('helper_set_any')).toBe('tenant');
    expect(scopeOf('helper_loose')).toBe('open');
    expect(scopeOf('helper_dynamic')).toBe('unknown');
  });

  it('tells owner-scoped from tenant-scoped, and gates from pins', () => {
    expect(scopeOf('owner_only')).toBe('owner');
    expect(scopeOf('and_owner')).toBe('tenant');
    expect(reasonKinds('public_or')).toEqual(['unconstrained']);
    expect(reasonKinds('admin_gate')).toEqual(['gate']);
    expect(reasonKinds('role_gate')).toEqual(['gate']);
    expect(scopeOf('negated')).toBe('open');
    expect(scopeOf('other_col_set')).toBe('open');
  });

  it('scopes a table without the tenant column through its parent', () => {
    const t = catalog.tables.find((x) => x.name === 'tasks')!;
    expect(analyzer.clause(t, t.policies[0]!, 'using', null)!.verdict.scope).toBe('tenant');
  });

  describe('one judgement for identical policies', () => {
    const table = (name: string) => catalog.tables.find((x) => x.name === name)!;
    const policy = (tableName: string, policyName: string) => table(tableName).policies.find((p) => p.name === policyName)!;
    const fresh = () => createPolicyAnalyzer(catalog, 'organization_id', () => null);

    it('shares the judgement of the same text on tables of the same shape', async () => {
      const analyzer = await fresh();
      const a = analyzer.clause(table('same_a'), policy('same_a', 'by_tenant'), 'using', null);
      const b = analyzer.clause(table('same_b'), policy('same_b', 'by_tenant'), 'using', null);
      expect(a!.verdict.scope).toBe('tenant');
      expect(b).toBe(a);
    });

    it('judges apart two policies that differ only in whether the column they pin is the tenant column', async () => {
      const analyzer = await fresh();
      const tenant = analyzer.clause(table('same_a'), policy('same_a', 'by_tenant'), 'using', null)!;
      const creator = analyzer.clause(table('same_a'), policy('same_a', 'by_creator'), 'using', null)!;
      expect(tenant.verdict.scope).toBe('tenant');
      expect(creator.verdict).toMatchObject({ scope: 'owner', reasons: [{ kind: 'owner', column: 'created_by' }] });
    });

    it('judges the same text apart on tables where a column it names differs', async () => {
      const analyzer = await fresh();
      const notNull = analyzer.clause(table('same_a'), policy('same_a', 'with_user'), 'using', null)!;
      const nullable = analyzer.clause(table('same_nullable'), policy('same_nullable', 'with_user'), 'using', null)!;
      expect(notNull.text).toBe(nullable.text);
      expect(notNull.verdict).toMatchObject({ scope: 'open', alwaysTrue: true });
      expect(nullable.verdict).toMatchObject({ scope: 'open', alwaysTrue: false });
    });

    it('judges the same text apart on storage.objects, whose paths carry the tenant, and on a table of its shape beside it', async () => {
      const analyzer = await fresh();
      const objects = catalog.tables.find((x) => x.schema === 'storage' && x.name === 'objects')!;
      const onSurface = analyzer.clause(objects, objects.policies[0]!, 'using', null)!;
      const elsewhere = analyzer.clause(table('objects_copy'), policy('objects_copy', 'by_folder'), 'using', null)!;
      expect(onSurface.text).toBe(elsewhere.text);
      expect(onSurface.verdict.scope).not.toBe(elsewhere.verdict.scope);
    });

    it('gives every clause the verdict an analyzer that judged nothing else gives it', async () => {
      const shared = await fresh();
      for (const t of catalog.tables) {
        for (const p of t.policies) {
          for (const which of ['using', 'withCheck'] as const) {
            const alone = (await fresh()).clause(t, p, which, null);
            const together = shared.clause(t, p, which, null);
            expect({ verdict: together?.verdict, notes: together?.notes }, `${t.name}.${p.name} ${which}`).toEqual({
              verdict: alone?.verdict,
              notes: alone?.notes,
            });
          }
        }
      }
    });
  });
});
