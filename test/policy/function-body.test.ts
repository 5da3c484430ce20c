/**
 * Reading function bodies: what a helper returns and under which IF
 * conditions (function-body.ts), and what a SECURITY DEFINER body reads and
 * writes (function-access.ts) — on functions created in a real database and
 * read back from its catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionAccess } from '../../src/policy/function-access.js';
import { parseBody } from '../../src/policy/function-body.js';
import { printExpr, printQuery } from '../../src/policy/print.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { evaluation, type Evaluation } from './support.js';

const SETUP = `
  CREATE SCHEMA auth;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $$;
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  CREATE TABLE members (organization_id uuid NOT NULL REFERENCES organizations, user_id uuid NOT NULL,
    PRIMARY KEY (organization_id, user_id));
  CREATE TABLE documents (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, title text);
  CREATE FUNCTION bare(org uuid, unused text DEFAULT 'x') RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT org IS NOT NULL $$;
  CREATE FUNCTION orgs_of(u uuid) RETURNS SETOF uuid LANGUAGE sql STABLE AS $$ SELECT organization_id FROM members WHERE user_id = u $$;
  CREATE FUNCTION guarded(org uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
    DECLARE found_it boolean;
    BEGIN
      IF auth.uid() IS NULL THEN
        RETURN false;
      ELSIF org IS NULL THEN
        RAISE EXCEPTION 'no organization';
      END IF;
      SELECT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid()) INTO found_it;
      RETURN found_it;
    END $$;
  CREATE FUNCTION dynamic_body() RETURNS SETOF uuid LANGUAGE plpgsql AS $$
    BEGIN RETURN QUERY EXECUTE 'SELECT id FROM organizations'; END $$;
  CREATE FUNCTION rename_document(doc int, new_title text) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS
    $$ UPDATE documents SET title = new_title WHERE id = doc $$;
  CREATE FUNCTION all_titles() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER SET search_path = public AS
    $$ SELECT title FROM documents $$;
  CREATE FUNCTION my_titles() RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      RETURN QUERY SELECT d.title FROM documents d
        WHERE d.organization_id IN (SELECT organization_id FROM members WHERE user_id = auth.uid());
    END $$;
  CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN TRUNCATE documents; EXECUTE 'SELECT 1'; END $$;
`;

describe('function bodies', () => {
  let db: TestDatabase;
  let ev: Evaluation;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
    ev = await evaluation(db);
  });
  afterAll(() => db?.close());

  const fn = (name: string) => ev.routine(name);

  describe('parseBody', () => {
    it('a SQL body: a bare SELECT is a returned value, a SELECT with FROM a returned query', () => {
      const bare = parseBody(fn('bare'), ev.parser);
      expect(bare.paramNames).toEqual(['org', 'unused']);
      expect(bare.returns.map((r) => printExpr(r.expr))).toEqual(['org IS NOT NULL']);
      const set = parseBody(fn('orgs_of'), ev.parser);
      expect(set.returns).toEqual([]);
      expect(set.queries.map(printQuery)).toEqual(['SELECT organization_id FROM members WHERE user_id = u']);
    });

    it('a PL/pgSQL body: each RETURN with the IF conditions on its path and the guards passed, SELECT … INTO followed to the RETURN', () => {
      const body = parseBody(fn('guarded'), ev.parser);
      expect(body.problem).toBeNull();
      expect(body.returns.map((r) => [printExpr(r.expr), r.conditions.map(printExpr)])).toEqual([
        ['false', ['auth.uid() IS NULL']],
        [
          'EXISTS (SELECT 1 FROM members m WHERE (m.organization_id = org) AND (m.user_id = auth.uid()))',
          // RETURN false and RAISE leave the function: what follows runs only when neither condition held
          ['auth.uid() IS NOT NULL', 'org IS NOT NULL'],
        ],
      ]);
    });

    it('says why a body cannot be analysed', () => {
      expect(parseBody(fn('dynamic_body'), ev.parser).problem).toBe('it returns a dynamic query');
      expect(parseBody({ ...fn('bare'), language: 'c' }, ev.parser).problem).toBe('it is written in c');
      expect(parseBody({ ...fn('bare'), body: 'SELECT (' }, ev.parser).problem).toBe('its body could not be parsed');
    });
  });

  describe('functionAccess', () => {
    const names = (tables: { name: string }[]) => tables.map((t) => t.name).sort();

    it('a write by key goes around RLS; the WHERE does not limit it to the caller', () => {
      const access = functionAccess(fn('rename_document'), ev.lookup);
      expect(names(access.writes)).toEqual(['documents']);
      expect(access.problem).toBeNull();
    });

    it('tells reads limited to the caller from unlimited ones', () => {
      expect(names(functionAccess(fn('all_titles'), ev.lookup).unlimitedReads)).toEqual(['documents']);
      const mine = functionAccess(fn('my_titles'), ev.lookup);
      expect(names(mine.reads)).toEqual(['documents', 'members']);
      expect(mine.unlimitedReads).toEqual([]);
    });

    it('TRUNCATE is a write; EXECUTE makes the body dynamic', () => {
      const access = functionAccess(fn('purge'), ev.lookup);
      expect(names(access.writes)).toEqual(['documents']);
      expect(access.dynamic).toBe(true);
    });
  });
});
