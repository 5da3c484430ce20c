import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/storage-realtime-open.js';
import type { Problem, RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContext, ruleContextAfter } from '../support/rule-context.js';

const ALICE = '00000000-0000-0000-0000-00000000000a'; // member of organization 1
const SCHEMAS = { schemas: ['public', 'auth', 'storage', 'realtime'] };

// Supabase's shapes, reduced to the columns the policies use: storage.objects (bucket_id, name, owner_id)
// and realtime.messages (topic, extension, private). auth.uid() reads the JWT's sub claim, as Supabase's does.
const SCENARIO = `
  CREATE ROLE anon NOLOGIN;
  CREATE ROLE authenticated NOLOGIN;
  CREATE SCHEMA auth; CREATE SCHEMA storage; CREATE SCHEMA realtime;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE members (organization_id int NOT NULL REFERENCES organizations, user_id uuid NOT NULL, PRIMARY KEY (organization_id, user_id));
  ALTER TABLE members ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own ON members FOR SELECT TO authenticated USING (user_id = auth.uid());
  CREATE FUNCTION public.is_member(org text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
    AS $$ SELECT EXISTS (SELECT 1 FROM public.members m WHERE m.organization_id::text = org AND m.user_id = auth.uid()) $$;
  CREATE TABLE storage.buckets (id text PRIMARY KEY, name text NOT NULL, public boolean DEFAULT false);
  CREATE TABLE storage.objects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), bucket_id text REFERENCES storage.buckets (id),
    name text, owner_id text, metadata jsonb);
  CREATE TABLE realtime.messages (
    id uuid NOT NULL DEFAULT gen_random_uuid(), topic text NOT NULL, extension text NOT NULL,
    payload jsonb, event text, private boolean DEFAULT false, inserted_at timestamp NOT NULL DEFAULT now());
  ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
  ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
  GRANT USAGE ON SCHEMA auth, storage, realtime TO anon, authenticated;
  GRANT ALL ON storage.objects TO anon, authenticated;
  GRANT SELECT, INSERT ON realtime.messages TO authenticated;
  GRANT SELECT ON members TO authenticated;
  INSERT INTO organizations VALUES (1), (2);
  INSERT INTO members VALUES (1, '${ALICE}');
  INSERT INTO storage.buckets VALUES ('org-files', 'org-files');
  INSERT INTO storage.objects (bucket_id, name) VALUES ('org-files', '1/plan.pdf'), ('org-files', '2/payroll.pdf');
  INSERT INTO realtime.messages (topic, extension, private, payload)
    VALUES ('org:1', 'broadcast', true, '{"row": 1}'), ('org:2', 'broadcast', true, '{"row": 2}');
  CREATE POLICY read_files ON storage.objects FOR SELECT TO authenticated USING (true);
  CREATE POLICY upload ON storage.objects FOR INSERT TO authenticated WITH CHECK (auth.uid() IS NOT NULL);
  CREATE POLICY join_channels ON realtime.messages FOR SELECT TO authenticated USING (true);
`;

describe('storage-realtime-open', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const byTable = (ctx: RuleContext): Map<string, Problem[]> => {
    const out = new Map<string, Problem[]>();
    for (const p of rule.check(ctx)) out.set(p.object.name, [...(out.get(p.object.name) ?? []), p]);
    return out;
  };

  it('is an error per role on storage.objects and realtime.messages whose policies admit every row', async () => {
    const found = byTable(await ruleContext(db, SCHEMAS));
    expect(rule.defaultSeverity).toBe('error');
    const [files] = found.get('objects')!;
    expect(found.get('objects')).toHaveLength(1);
    expect(files!.severity).toBeUndefined();
    expect(files!.key).toBe(db.role('authenticated'));
    expect(files!.message).toBe(
      `${db.role('authenticated')} can SELECT and INSERT every tenant's files in storage.objects: ` +
        `policy "read_files" USING (true); policy "upload" WITH CHECK (auth.uid() IS NOT NULL) ` +
        `admits every row to any signed-in user, whichever tenant they belong to, and no restrictive policy narrows it; ` +
        `filter on the bucket_id or the object name carrying the tenant id, or a membership helper`,
    );
    expect(files!.causes).toEqual([
      { kind: 'policy', schema: 'storage', name: 'read_files', table: 'objects' },
      { kind: 'policy', schema: 'storage', name: 'upload', table: 'objects' },
    ]);
    const [channels] = found.get('messages')!;
    expect(channels!.message).toContain(`${db.role('authenticated')} can SELECT every private channel, including ones that broadcast tenant rows in realtime.messages`);
  });

  it("proves it: a signed-in member of organization 1 reads organization 2's file and private channel", async () => {
    const seen = await db.asRole(
      'authenticated',
      async (c) => ({
        files: (await c.query(`SELECT name FROM storage.objects WHERE name LIKE '2/%'`)).rows.map((r) => r.name),
        channel: (await c.query(`SELECT payload FROM realtime.messages WHERE topic = 'org:2' AND private`)).rows.map((r) => r.payload),
      }),
      { setting: 'request.jwt.claim.sub', value: ALICE },
    );
    expect(seen).toEqual({ files: ['2/payroll.pdf'], channel: [{ row: 2 }] });
  });

  it('is silent once the policies filter on the tenant in the object name or topic, or call a membership helper', async () => {
    const scoped = await ruleContextAfter(
      db,
      `CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT string_to_array(name, '/') $$;
       DROP POLICY read_files ON storage.objects; DROP POLICY upload ON storage.objects; DROP POLICY join_channels ON realtime.messages;
       CREATE POLICY read_files ON storage.objects FOR SELECT TO authenticated
         USING (bucket_id = 'org-files' AND public.is_member((storage.foldername(name))[1]));
       CREATE POLICY upload ON storage.objects FOR INSERT TO authenticated
         WITH CHECK (bucket_id = 'org-files' AND name LIKE 'public/%');
       CREATE POLICY join_channels ON realtime.messages FOR SELECT TO authenticated
         USING (extension = 'broadcast' AND topic = 'org:' || (SELECT organization_id FROM public.members WHERE user_id = auth.uid() LIMIT 1));`,
      SCHEMAS,
    );
    expect(rule.check(scoped)).toEqual([]);
    // and the scoped policies do keep organization 2's file and channel from the member of organization 1
    const seen = await db.asRole(
      'authenticated',
      async (c) => {
        await c.query('RESET ROLE');
        await c.query(db.sql(`DROP POLICY read_files ON storage.objects; DROP POLICY join_channels ON realtime.messages;
          CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT string_to_array(name, '/') $$;
          CREATE POLICY read_files ON storage.objects FOR SELECT TO authenticated USING (public.is_member((storage.foldername(name))[1]));
          CREATE POLICY join_channels ON realtime.messages FOR SELECT TO authenticated
            USING (topic = 'org:' || (SELECT organization_id FROM public.members WHERE user_id = auth.uid() LIMIT 1))`));
        await c.query(`SET LOCAL ROLE "${db.role('authenticated')}"`);
        return {
          files: (await c.query('SELECT name FROM storage.objects ORDER BY name')).rows.map((r) => r.name),
          channels: (await c.query('SELECT topic FROM realtime.messages ORDER BY topic')).rows.map((r) => r.topic),
        };
      },
      { setting: 'request.jwt.claim.sub', value: ALICE },
    );
    expect(seen).toEqual({ files: ['1/plan.pdf'], channels: ['org:1'] });
  });

  it('is silent when a restrictive policy bounds the open one, and reports a PUBLIC policy to anon too', async () => {
    const bounded = await ruleContextAfter(
      db,
      `CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT string_to_array(name, '/') $$;
       CREATE POLICY tenant_folder ON storage.objects AS RESTRICTIVE TO authenticated USING (public.is_member((storage.foldername(name))[1]))
         WITH CHECK (public.is_member((storage.foldername(name))[1]));`,
      SCHEMAS,
    );
    expect(byTable(bounded).get('objects')).toBeUndefined();
    expect(byTable(bounded).get('messages')).toHaveLength(1);
    const everyone = byTable(await ruleContextAfter(db, `CREATE POLICY anyone_deletes ON storage.objects FOR DELETE USING (1 = 1)`, SCHEMAS)).get('objects')!;
    expect(everyone.map((p) => p.key).sort()).toEqual([db.role('anon'), db.role('authenticated')].sort());
    expect(everyone.find((p) => p.key === db.role('anon'))!.message).toMatch(
      new RegExp(`^${db.role('anon')} can DELETE every tenant's files in storage.objects: policy "anyone_deletes" USING \\(1 = 1\\) admits every row to anyone who reaches the table`),
    );
  });

  it('leaves the schemas alone when they are not audited', async () => {
    expect(rule.check(await ruleContext(db))).toEqual([]);
  });
});
