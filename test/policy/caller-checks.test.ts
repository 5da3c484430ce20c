/**
 * Whether a function body keeps what it reads and writes to its caller:
 * the three-valued decision of function-access.ts (scoped, not scoped,
 * unknown) for SECURITY DEFINER bodies that check the caller before they
 * act, and helpers judged through their bodies in policies (defaulted
 * arguments, `= true`, count(*), a child reached through its parent). On
 * functions created in a real database and read back from its catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluator } from '../../src/policy/evaluator.js';
import { functionAccess } from '../../src/policy/function-access.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { evaluation, type Evaluation } from './support.js';

const SETUP = `
  CREATE SCHEMA auth;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $$;
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  CREATE TABLE members (organization_id uuid NOT NULL REFERENCES organizations, user_id uuid NOT NULL,
    is_owner boolean NOT NULL DEFAULT false, PRIMARY KEY (organization_id, user_id));
  CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, name text);
  CREATE TABLE tasks (id serial PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects, title text);

  CREATE FUNCTION rename_any(p uuid, new_name text) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS
    $$ UPDATE projects SET name = new_name WHERE id = p $$;
  CREATE FUNCTION rename_checked(org uuid, p uuid, new_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid()) THEN
        RAISE EXCEPTION 'not a member' USING errcode = '42501';
      END IF;
      UPDATE projects SET name = new_name WHERE id = p AND organization_id = org;
    END $$;
  -- checks one organization, writes another
  CREATE FUNCTION rename_wrong_param(org uuid, other uuid, new_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid()) THEN
        RAISE EXCEPTION 'not a member';
      END IF;
      UPDATE projects SET name = new_name WHERE organization_id = other;
    END $$;
  -- a notice does not stop the function
  CREATE FUNCTION rename_notice(org uuid, new_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid()) THEN
        RAISE NOTICE 'not a member';
      END IF;
      UPDATE projects SET name = new_name WHERE organization_id = org;
    END $$;
  -- the error is caught by the block's handler, so the UPDATE after the block still runs
  CREATE FUNCTION rename_swallowed(org uuid, new_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid()) THEN
          RAISE EXCEPTION 'not a member';
        END IF;
      EXCEPTION WHEN others THEN NULL;
      END;
      UPDATE projects SET name = new_name WHERE organization_id = org;
    END $$;
  CREATE FUNCTION remove_member(org uuid, member uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE mine members;
    BEGIN
      SELECT * INTO mine FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid();
      IF mine IS NULL OR NOT mine.is_owner THEN
        RETURN;
      END IF;
      DELETE FROM members m WHERE m.organization_id = org AND m.user_id = member;
    END $$;
  CREATE FUNCTION remove_if_found(org uuid, member uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      PERFORM 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid();
      IF NOT FOUND THEN
        RAISE EXCEPTION 'not a member';
      END IF;
      DELETE FROM members m WHERE m.organization_id = org AND m.user_id = member;
    END $$;
  CREATE FUNCTION add_task(project uuid, title text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT can_access(project) THEN RAISE EXCEPTION 'no access'; END IF;
      INSERT INTO tasks (project_id, title) VALUES (project, title);
    END $$;
  CREATE FUNCTION can_access(project uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM projects p JOIN members m ON m.organization_id = p.organization_id
                   WHERE p.id = project AND m.user_id = auth.uid())
  $$;
  CREATE FUNCTION opaque(org uuid) RETURNS boolean LANGUAGE plpgsql AS $$
    DECLARE ok boolean;
    BEGIN EXECUTE 'SELECT true' INTO ok; RETURN ok; END $$;
  CREATE FUNCTION rename_opaque(org uuid, new_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT opaque(org) THEN RAISE EXCEPTION 'no'; END IF;
      UPDATE projects SET name = new_name WHERE organization_id = org;
    END $$;
  CREATE FUNCTION only_for_caller(u uuid, org uuid) RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF u IS DISTINCT FROM auth.uid() THEN RETURN false; END IF;
      RETURN EXISTS (SELECT 1 FROM members m WHERE m.user_id = u AND m.organization_id = org);
    END $$;
  CREATE FUNCTION for_anyone(u uuid, org uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM members m WHERE m.user_id = u AND m.organization_id = org)
  $$;
  CREATE FUNCTION touch_project() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN UPDATE projects SET name = name WHERE id = NEW.project_id; RETURN NEW; END $$;

  CREATE TABLE invitations (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations,
    token text NOT NULL UNIQUE DEFAULT md5(random()::text));
  -- keyed by a bearer secret: the caller joins the organization the token was issued for
  CREATE FUNCTION accept_invitation(invite_token text) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE inv invitations;
    BEGIN
      SELECT * INTO inv FROM invitations WHERE token = invite_token;
      IF NOT FOUND THEN RAISE EXCEPTION 'no such invitation'; END IF;
      INSERT INTO members (organization_id, user_id) VALUES (inv.organization_id, auth.uid());
      DELETE FROM invitations WHERE token = invite_token;
      RETURN inv.organization_id;
    END $$;
  -- the same by a guessable serial id: any invitation of any organization
  CREATE FUNCTION accept_by_id(invite int) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      INSERT INTO members (organization_id, user_id) SELECT organization_id, auth.uid() FROM invitations WHERE id = invite;
      INSERT INTO members (organization_id, user_id) VALUES ((SELECT organization_id FROM invitations WHERE id = invite), auth.uid());
    END $$;
  CREATE FUNCTION join_any(org uuid) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS
    $$ INSERT INTO members (organization_id, user_id) VALUES (org, auth.uid()) $$;

  -- helpers in policies
  CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS
    $$ SELECT COALESCE(NULLIF(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
  CREATE FUNCTION has_org_role(org uuid, wanted text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE(auth.jwt() -> 'app_metadata' -> 'org_roles' ->> org::text, '') = wanted
  $$;
  CREATE FUNCTION has_role(org uuid, owner_only boolean DEFAULT NULL) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM members m WHERE m.user_id = auth.uid() AND m.organization_id = has_role.org
                   AND (has_role.owner_only IS NULL OR m.is_owner = has_role.owner_only))
  $$;
  CREATE FUNCTION counts_members(org uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
    DECLARE n int;
    BEGIN
      SELECT count(*) INTO n FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid();
      IF n = 0 THEN RETURN false; END IF;
      RETURN true;
    END $$;
`;

describe('caller checks in function bodies', () => {
  let db: TestDatabase;
  let ev: Evaluation;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
    ev = await evaluation(db);
  });
  afterAll(() => db?.close());

  const fn = (name: string) => ev.routine(name);
  const decisions = (name: string) =>
    Object.fromEntries(
      functionAccess(fn(name), ev.lookup)
        .touches.map((t) => [`${t.write ? 'writes' : 'reads'} ${t.table.name}`, t.decision])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );

  describe('SECURITY DEFINER bodies: scoped, not scoped or unknown', () => {
    it('a write found by a key the caller chooses, with no check, reaches any tenant', () => {
      expect(decisions('rename_any')).toEqual({ 'writes projects': 'not-scoped' });
    });

    it('IF NOT EXISTS (<caller is a member of org>) THEN RAISE keeps the writes to org', () => {
      expect(decisions('rename_checked')).toEqual({ 'reads members': 'scoped', 'writes projects': 'scoped' });
    });

    it('a check on one parameter does not cover a write keyed by another', () => {
      expect(decisions('rename_wrong_param')).toMatchObject({ 'writes projects': 'not-scoped' });
    });

    it('RAISE NOTICE and an error caught by the block are no guard', () => {
      expect(decisions('rename_notice')).toMatchObject({ 'writes projects': 'not-scoped' });
      expect(decisions('rename_swallowed')).toMatchObject({ 'writes projects': 'not-scoped' });
    });

    it('SELECT … INTO a row, then IF it IS NULL THEN RETURN, and PERFORM … IF NOT FOUND, are membership checks', () => {
      expect(decisions('remove_member')).toEqual({ 'reads members': 'scoped', 'writes members': 'scoped' });
      expect(decisions('remove_if_found')).toEqual({ 'reads members': 'scoped', 'writes members': 'scoped' });
    });

    it('a child row inserted under a parent the caller was checked against, through a helper', () => {
      expect(decisions('add_task')).toEqual({ 'writes tasks': 'scoped' });
    });

    it('a check the analysis cannot read leaves the write unknown, not a hole', () => {
      const access = functionAccess(fn('rename_opaque'), ev.lookup);
      expect(access.touches).toMatchObject([{ write: true, decision: 'unknown' }]);
      expect(access.touches[0]!.detail).toContain('opaque()');
    });

    it('a helper that answers only for the caller reads only the caller\'s rows; one that answers for anyone does not', () => {
      expect(decisions('only_for_caller')).toEqual({ 'reads members': 'scoped' });
      expect(decisions('for_anyone')).toEqual({ 'reads members': 'not-scoped' });
    });

    it('a row found by a bearer secret binds what follows to the caller who holds it; a serial id or any organization does not', () => {
      expect(decisions('accept_invitation')).toEqual({ 'reads invitations': 'scoped', 'writes invitations': 'scoped', 'writes members': 'scoped' });
      expect(decisions('accept_by_id')).toMatchObject({ 'reads invitations': 'not-scoped', 'writes members': 'not-scoped' });
      // a membership of the caller in an organization the caller names is the self-join hole
      expect(decisions('join_any')).toEqual({ 'writes members': 'not-scoped' });
    });

    it('a trigger function cannot be called directly', () => {
      expect(functionAccess(fn('touch_project'), ev.lookup).callable).toBe(false);
      expect(functionAccess(fn('rename_any'), ev.lookup).callable).toBe(true);
    });
  });

  describe('helpers in policies', () => {
    const scope = (table: string, text: string) => evaluator.classify(ev.expr(text), ev.env(table)).scope;

    it('a helper called without its defaulted argument, compared = true, pins the tenant', () => {
      expect(scope('projects', 'has_role(organization_id) = true')).toBe('tenant');
      expect(scope('projects', 'has_role(organization_id, true)')).toBe('tenant');
      expect(scope('projects', 'has_role(organization_id) = false')).toBe('open');
    });

    it('a PL/pgSQL helper that counts the caller\'s memberships with SELECT count(*) INTO, wrapped in IS TRUE', () => {
      expect(scope('projects', 'counts_members(organization_id) IS TRUE')).toBe('tenant');
      expect(scope('projects', '(SELECT count(*) FROM members m WHERE m.organization_id = projects.organization_id AND m.user_id = auth.uid()) > 0')).toBe('tenant');
    });

    it('the caller\'s claims looked up under the row\'s tenant id pin the tenant; a fallback that matches does not', () => {
      expect(scope('projects', `(auth.jwt() -> 'app_metadata' -> 'orgs') ? organization_id::text`)).toBe('tenant');
      expect(scope('projects', `(auth.jwt() -> 'app_metadata' -> 'orgs' ->> organization_id::text) IS NOT NULL`)).toBe('tenant');
      expect(scope('projects', `has_org_role(organization_id, 'admin')`)).toBe('tenant');
      expect(scope('projects', `COALESCE(auth.jwt() -> 'org_roles' ->> organization_id::text, 'admin') = 'admin'`)).toBe('open');
      expect(scope('projects', `(auth.jwt() ->> 'org_id') IS NOT NULL`)).toBe('open');
    });

    it('a child scoped through its parent by a helper joined to the caller\'s memberships', () => {
      expect(scope('tasks', '(SELECT can_access(project_id))')).toBe('tenant');
      expect(scope('tasks', 'project_id IN (SELECT id FROM projects)')).toBe('open');
    });
  });
});
