/**
 * The evaluator on Supabase's storage.objects and realtime.messages: the part
 * of the path or topic that carries the tenant is judged like a tenant column,
 * and signed-in checks are read from the parsed expression, in any spelling,
 * admitting every row to a signed-in user and none to the anonymous role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluator } from '../../src/policy/evaluator.js';
import { decisionOf } from '../../src/policy/verdict.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { evaluation, type Evaluation } from './support.js';

const SETUP = `
  CREATE SCHEMA auth; CREATE SCHEMA storage; CREATE SCHEMA realtime;
  CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb $$;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT (auth.jwt() ->> 'sub')::uuid $$;
  CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$ SELECT auth.jwt() ->> 'role' $$;
  CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$ SELECT auth.jwt() ->> 'email' $$;
  CREATE TABLE members (org_id uuid NOT NULL, user_id uuid NOT NULL, PRIMARY KEY (org_id, user_id));
  CREATE FUNCTION is_member(org uuid) RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT EXISTS (SELECT 1 FROM members m WHERE m.org_id = org AND m.user_id = auth.uid()) $$;
  CREATE TABLE storage.objects (id uuid PRIMARY KEY, bucket_id text, name text, owner_id text);
  CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT string_to_array(name, '/') $$;
  CREATE TABLE realtime.messages (id uuid PRIMARY KEY, topic text NOT NULL, extension text NOT NULL);
  CREATE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('realtime.topic', true), '') $$;
  CREATE TABLE documents (id uuid PRIMARY KEY, path text);
  CREATE FUNCTION org_of(path text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT (storage.foldername(path))[1]::uuid $$;
`;

describe('storage and realtime keys, signed-in checks', () => {
  let db: TestDatabase;
  let ev: Evaluation;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
    ev = await evaluation(db, () => null, { anon: 'anon', platform: new Set(['service_role']) });
  });
  afterAll(() => db?.close());

  const classify = (table: string, text: string, role: string | null = null) => evaluator.classify(ev.expr(text), ev.env(table, role));

  it.each([
    'auth.uid() IS NOT NULL',
    '(SELECT auth.uid()) IS NOT NULL',
    `(auth.jwt() ->> 'sub') IS NOT NULL`,
    'auth.email() IS NOT NULL',
    `auth.role() = 'authenticated'`,
    `'authenticated'::text = (SELECT auth.role())`,
    `(auth.jwt() ->> 'role') = 'authenticated'`,
  ])('%s: every row for a signed-in user, none for anon', (text) => {
    expect(classify('objects', text)).toEqual({ scope: 'open', alwaysTrue: false, reasons: [{ kind: 'gate', text: expect.any(String), signedIn: true }] });
    expect(classify('objects', text, 'authenticated').reasons).toEqual([expect.objectContaining({ kind: 'gate', signedIn: true })]);
    expect(classify('objects', text, 'anon').scope).toBe('deny');
  });

  it("lets anon through a check its own token passes, and keeps a platform role's check a plain gate", () => {
    expect(classify('objects', 'auth.jwt() IS NOT NULL', 'anon').reasons).toEqual([expect.objectContaining({ signedIn: true })]);
    expect(classify('objects', `auth.role() = 'anon'`, 'anon').reasons).toEqual([expect.objectContaining({ signedIn: true })]);
    expect(classify('objects', `auth.role() = 'service_role'`).reasons).toEqual([{ kind: 'gate', text: `auth.role() = 'service_role'` }]);
    expect(classify('objects', `auth.role() = 'service_role'`, 'authenticated').scope).toBe('deny');
  });

  it.each([
    ['objects', `(storage.foldername(name))[1] IN (SELECT org_id::text FROM members WHERE user_id = auth.uid())`],
    ['objects', `(storage.foldername(name))[1]::uuid = ((SELECT auth.jwt()) -> 'app_metadata' ->> 'org_id')::uuid`],
    ['objects', `owner_id = (SELECT auth.uid())::text`],
    ['objects', `bucket_id = 'files' AND is_member((storage.foldername(name))[1]::uuid)`],
    ['objects', `is_member(org_of(name))`],
    ['messages', `is_member(split_part((SELECT realtime.topic()), ':', 2)::uuid)`],
    ['messages', `EXISTS (SELECT 1 FROM members m WHERE m.user_id = auth.uid() AND 'org:' || m.org_id::text = realtime.topic())`],
    ['messages', `topic = 'user:' || (SELECT auth.uid())::text`],
    ['messages', `(string_to_array(topic, ':'))[2] = auth.uid()::text`],
  ])('%s: %s is scoped', (table, text) => {
    expect(decisionOf(classify(table, text).scope)).toBe('scoped');
  });

  it('cannot decide on a helper of the path that is not in the catalog', () => {
    expect(classify('objects', `missing.is_member((storage.foldername(name))[1])`)).toEqual({
      scope: 'unknown',
      alwaysTrue: false,
      reasons: [{ kind: 'unverified', text: 'missing.is_member((storage.foldername(name))[1])', detail: 'missing.is_member() is not in the audited schemas' }],
    });
  });

  it.each([
    ['objects', `bucket_id = 'files'`, 'unconstrained'],
    ['objects', `(storage.foldername(name))[1] = 'public'`, 'unconstrained'],
    ['objects', `org_of(name) = '00000000-0000-0000-0000-00000000000a'`, 'unconstrained'],
    ['objects', `(storage.foldername(name))[1] IN (SELECT org_id::text FROM members)`, 'unscoped-subquery'],
    ['messages', `realtime.topic() = 'lobby'`, 'unconstrained'],
    // only these two tables carry their tenant inside a column: elsewhere a part of a column is no key
    ['documents', `(string_to_array(path, '/'))[1] IN (SELECT org_id::text FROM members WHERE user_id = auth.uid())`, 'gate'],
  ])('%s: %s is not scoped (%s)', (table, text, kind) => {
    const verdict = classify(table, text);
    expect(verdict.scope).toBe('open');
    expect(verdict.reasons.map((r) => r.kind)).toEqual([kind]);
  });
});
