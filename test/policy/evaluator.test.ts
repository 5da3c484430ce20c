/**
 * The evaluator on its own: expressions parsed by the real parser, judged
 * against a small catalog introspected from a real database, without rules,
 * roles or policies in between.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from '../../src/catalog/types.js';
import { evaluator, type Evaluator } from '../../src/policy/evaluator.js';
import type { Scope } from '../../src/policy/verdict.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { evaluation, type Evaluation } from './support.js';

const SETUP = `
  CREATE SCHEMA auth;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $$;
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  CREATE TABLE members (organization_id uuid NOT NULL REFERENCES organizations, user_id uuid NOT NULL,
    PRIMARY KEY (organization_id, user_id));
  CREATE TABLE documents (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, owner_id uuid, title text);
  CREATE TABLE comments (id serial PRIMARY KEY, document_id int NOT NULL REFERENCES documents, body text);
  CREATE FUNCTION current_org() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid $$;
  CREATE FUNCTION my_orgs() RETURNS SETOF uuid LANGUAGE sql STABLE AS
    $$ SELECT organization_id FROM members WHERE user_id = auth.uid() $$;
  CREATE FUNCTION is_member(org uuid) RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = auth.uid()) $$;
  CREATE FUNCTION is_member_pl(org uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
    BEGIN
      IF auth.uid() IS NULL THEN RETURN false; END IF;
      RETURN EXISTS (SELECT 1 FROM members WHERE organization_id = org AND user_id = auth.uid());
    END $$;
  CREATE FUNCTION opaque(org uuid) RETURNS boolean LANGUAGE plpgsql AS $$
    DECLARE ok boolean;
    BEGIN EXECUTE 'SELECT true' INTO ok; RETURN ok; END $$;
  SET check_function_bodies = off;
  CREATE FUNCTION forever(org uuid) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT forever(org) $$;
`;

describe('policy evaluator', () => {
  let db: TestDatabase;
  let ev: Evaluation;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
    ev = await evaluation(db);
  });
  afterAll(() => db?.close());

  const classify = (table: string, text: string) => evaluator.classify(ev.expr(text), ev.env(table));
  const term = (table: string, text: string) => evaluator.term(ev.expr(text), ev.env(table));

  describe('term: what a value is', () => {
    it('reads the session context from settings, auth functions, the role and helper bodies', () => {
      expect(term('documents', `current_setting('app.current_org_id', true)`)).toMatchObject({
        t: 'context',
        ctx: { source: 'setting', setting: 'app.current_org_id', principal: true },
      });
      expect(term('documents', 'auth.uid()')).toMatchObject({ t: 'context', ctx: { source: 'auth', principal: true } });
      expect(term('documents', 'current_user')).toMatchObject({ t: 'context', ctx: { source: 'role', principal: true } });
      // through the helper's SQL body, under NULLIF and a cast
      expect(term('documents', 'current_org()')).toMatchObject({ t: 'context', ctx: { source: 'setting', setting: 'app.current_org_id' } });
    });

    it('binds columns to the policy table and keeps constants', () => {
      const column = term('documents', 'organization_id::text');
      expect(column).toMatchObject({ t: 'column', column: 'organization_id', cast: 'text' });
      expect(column.t === 'column' && column.entry.table?.name).toBe('documents');
      expect(term('documents', `'x'`)).toEqual({ t: 'const', value: 'x' });
    });

    it('recognises sets of values limited to the caller and those that are not', () => {
      expect(term('documents', '(SELECT organization_id FROM members WHERE user_id = auth.uid())')).toMatchObject({ t: 'set' });
      expect(term('documents', '(SELECT organization_id FROM members)')).toMatchObject({ t: 'other' });
    });
  });

  describe('classify: how a condition limits the rows', () => {
    const scope = (table: string, text: string): Scope => classify(table, text).scope;

    it('pins the tenant column to the context, directly or through helpers', () => {
      expect(scope('documents', 'organization_id = current_org()')).toBe('tenant');
      expect(scope('documents', 'organization_id IN (SELECT my_orgs())')).toBe('tenant');
      expect(scope('documents', 'is_member(organization_id)')).toBe('tenant');
      expect(scope('documents', 'is_member_pl(organization_id)')).toBe('tenant');
    });

    it('combines like Postgres: AND is as tight as its tightest part, OR as loose as its loosest', () => {
      expect(scope('documents', 'organization_id = current_org() AND title IS NOT NULL')).toBe('tenant');
      expect(classify('documents', 'organization_id = current_org() OR true')).toMatchObject({ scope: 'open', alwaysTrue: true });
      expect(scope('documents', 'NOT (organization_id = current_org())')).toBe('open');
      expect(scope('documents', 'false AND owner_id = auth.uid()')).toBe('deny');
    });

    it('tells an owner pin, a bypass setting and an unreadable helper apart', () => {
      expect(scope('documents', 'owner_id = auth.uid()')).toBe('owner');
      expect(classify('documents', `current_setting('app.bypass', true) = 'on'`).reasons).toEqual([
        expect.objectContaining({ kind: 'bypass-setting', setting: 'app.bypass' }),
      ]);
      expect(classify('documents', 'opaque(organization_id)')).toMatchObject({
        scope: 'unknown',
        reasons: [expect.objectContaining({ kind: 'unverified', detail: expect.stringContaining('dynamic SQL') })],
      });
      expect(classify('documents', 'forever(organization_id)')).toMatchObject({
        scope: 'unknown',
        reasons: [expect.objectContaining({ detail: expect.stringContaining('calls itself') })],
      });
    });

    it('scopes a table without the tenant column through its parent', () => {
      expect(scope('comments', 'document_id IN (SELECT id FROM documents WHERE organization_id = current_org())')).toBe('tenant');
      expect(scope('comments', 'document_id IN (SELECT id FROM documents)')).toBe('open');
    });

    it('notes per-row context calls and casts of the tenant column for the performance rules', () => {
      const env = ev.env('documents');
      evaluator.classify(ev.expr(`organization_id::text = current_setting('app.current_org_id')`), env);
      expect(env.notes.unwrapped).toEqual([`current_setting('app.current_org_id')`]);
      expect(env.notes.casts).toEqual([expect.objectContaining({ column: 'organization_id', type: 'text' })]);
      expect(env.notes.settings).toEqual(['app.current_org_id']);
      const wrapped = ev.env('documents');
      evaluator.classify(ev.expr('organization_id = (SELECT current_org())'), wrapped);
      expect(wrapped.notes.unwrapped).toEqual([]);
    });
  });

  describe('subqueries', () => {
    it('EXISTS pins the outer row when the inner rows are limited to the caller', () => {
      const env = ev.env('documents');
      const scoped = ev.query('SELECT 1 FROM members m WHERE m.organization_id = documents.organization_id AND m.user_id = auth.uid()');
      expect(evaluator.exists(scoped, env).scope).toBe('tenant');
      const unscoped = ev.query('SELECT 1 FROM members m WHERE m.organization_id = documents.organization_id');
      expect(evaluator.exists(unscoped, env).reasons).toEqual([expect.objectContaining({ kind: 'unscoped-subquery', table: 'members' })]);
    });

    it('an unqualified column binds to the innermost FROM that has it, as Postgres binds it', () => {
      const env = ev.env('documents');
      const self = ev.query('SELECT 1 FROM members WHERE organization_id = organization_id AND user_id = auth.uid()');
      expect(evaluator.exists(self, env).reasons).toContainEqual(expect.objectContaining({ kind: 'self-comparison', table: 'members' }));
    });

    it('IN and set pins', () => {
      const env = ev.env('documents');
      const mine = ev.query('SELECT organization_id FROM members WHERE user_id = auth.uid()');
      expect(evaluator.inSubquery(ev.expr('organization_id'), mine, env).scope).toBe('tenant');
      expect(evaluator.setPin(mine, env)).not.toBeNull();
      expect(evaluator.setPin(ev.query('SELECT organization_id FROM members'), env)).toBeNull();
    });

    it("judges a subquery's table by its own RLS when the role is known", async () => {
      const limited = await evaluation(db, (table: Table, role) => (table.name === 'members' && role === 'app' ? 'tenant' : null));
      const text = 'organization_id IN (SELECT organization_id FROM members)';
      limited.lookup.consulted.value = false;
      expect(evaluator.classify(limited.expr(text), limited.env('documents', 'app')).scope).toBe('tenant');
      expect(limited.lookup.consulted.value).toBe(true);
      expect(evaluator.classify(limited.expr(text), limited.env('documents', null)).scope).toBe('open');
    });
  });

  it('every module reaches the others only through the evaluator it is given', () => {
    const seen: string[] = [];
    const spy: Evaluator = {
      ...evaluator,
      booleanHelper: (call, env) => {
        seen.push(call.name.join('.'));
        return evaluator.booleanHelper(call, env);
      },
    };
    const env = { ...ev.env('documents'), evaluator: spy };
    expect(spy.classify(ev.expr('organization_id = current_org() AND is_member(organization_id)'), env).scope).toBe('tenant');
    expect(seen).toEqual(['is_member']);
  });
});
