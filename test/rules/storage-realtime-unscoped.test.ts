/**
 * On the Supabase stand-in (the same SQL offline audits start from): files under
 * `<organization id>/…` in storage.objects, private channels `org:<id>` in
 * realtime.messages. Every error is proven by Alice (organization A) reading
 * organization B's file or joining its channel; every silence on a scoped policy
 * by the same reads returning nothing of B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { SUPABASE_PLATFORM_SQL } from '../../src/db/migrations/layouts/supabase-platform.js';
import storageRealtimeOpen from '../../src/rules/storage-realtime-open.js';
import rule from '../../src/rules/storage-realtime-unscoped.js';
import type { Problem } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContextAfter } from '../support/rule-context.js';

const ORG_A = '00000000-0000-0000-0000-00000000000a';
const ORG_B = '00000000-0000-0000-0000-00000000000b';
const ALICE = '00000000-0000-0000-0000-0000000000a1'; // member of A
const BOB = '00000000-0000-0000-0000-0000000000b1'; // member of B

const APP = `
  CREATE TABLE public.organizations (id uuid PRIMARY KEY);
  CREATE TABLE public.members (org_id uuid NOT NULL REFERENCES public.organizations, user_id uuid NOT NULL, PRIMARY KEY (org_id, user_id));
  ALTER TABLE public.members ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own ON public.members FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
  CREATE FUNCTION public.is_member(org uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
    AS $$ SELECT EXISTS (SELECT 1 FROM public.members m WHERE m.org_id = org AND m.user_id = auth.uid()) $$;
  CREATE FUNCTION public.can_read(path text) RETURNS boolean LANGUAGE plpgsql STABLE
    AS $$ DECLARE ok boolean; BEGIN EXECUTE 'SELECT true' INTO ok; RETURN ok; END $$;
  INSERT INTO public.organizations VALUES ('${ORG_A}'), ('${ORG_B}');
  INSERT INTO public.members VALUES ('${ORG_A}', '${ALICE}'), ('${ORG_B}', '${BOB}');
  INSERT INTO storage.buckets (id, name) VALUES ('org-files', 'org-files'), ('avatars', 'avatars');
  INSERT INTO storage.objects (bucket_id, name, owner_id) VALUES
    ('org-files', '${ORG_A}/plan.pdf', '${ALICE}'), ('org-files', '${ORG_B}/payroll.pdf', '${BOB}'), ('avatars', '${ORG_B}/face.png', '${BOB}');
  INSERT INTO realtime.messages (topic, extension, private, payload) VALUES
    ('org:${ORG_A}', 'broadcast', true, '{"org": "A"}'), ('org:${ORG_B}', 'broadcast', true, '{"org": "B"}');
`;

/** Members upload into their organization's folder of org-files, and send on their organization's channel. */
const KEYED_WRITES = `
  CREATE POLICY org_upload ON storage.objects FOR INSERT TO authenticated
    WITH CHECK (bucket_id = 'org-files' AND (storage.foldername(name))[1] IN (SELECT org_id::text FROM public.members WHERE user_id = (select auth.uid())));
  CREATE POLICY org_send ON realtime.messages FOR INSERT TO authenticated
    WITH CHECK (EXISTS (SELECT 1 FROM public.members m WHERE m.user_id = (select auth.uid()) AND 'org:' || m.org_id::text = (select realtime.topic())));
`;

describe('storage-realtime-unscoped', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SUPABASE_PLATFORM_SQL + APP });
  });
  afterAll(() => db?.close());

  const config = () => ({
    schemas: ['public', 'storage', 'realtime'],
    tenantColumn: 'org_id',
    anonRole: db.role('anon'),
    platformRoles: DEFAULT_CONFIG.platformRoles.map((r) => db.role(r)),
  });
  const problems = async (policies: string, check = rule.check) =>
    check(await ruleContextAfter(db, policies, config())).map((p: Problem) => ({ table: p.object.name, key: p.key, severity: p.severity ?? 'error', message: p.message }));

  /** The first column of `sql`'s rows, run as `role` with the policies created and, for channels, the topic being joined. */
  const seen = (policies: string, sql: string, options: { user?: string; role?: string; topic?: string; org?: string } = {}) => {
    const role = options.role ?? 'authenticated';
    const claims = JSON.stringify({
      role: db.role(role),
      ...(options.user ? { sub: options.user } : {}),
      ...(options.org ? { app_metadata: { org_id: options.org } } : {}),
    });
    return db.asRole(
      role,
      async (c) => {
        await c.query('RESET ROLE');
        await c.query(db.sql(policies));
        if (options.topic) await c.query(`SELECT set_config('realtime.topic', $1, true)`, [options.topic]);
        await c.query(`SET LOCAL ROLE "${db.role(role)}"`);
        const result = await c.query(sql);
        // a write without RETURNING: how many rows it reached (RETURNING would need a SELECT policy too)
        return result.command === 'SELECT' || result.rows.length > 0 ? result.rows.map((r) => String(Object.values(r)[0])) : [String(result.rowCount)];
      },
      { setting: 'request.jwt.claims', value: claims },
    );
  };
  const FILES = 'SELECT name FROM storage.objects ORDER BY name';
  const CHANNEL = 'SELECT payload ->> $$org$$ FROM realtime.messages WHERE topic = realtime.topic()';

  it("is silent on policies that compare the path, owner or topic with the caller's tenants or user", async () => {
    const scoped = `${KEYED_WRITES}
      CREATE POLICY org_read ON storage.objects FOR SELECT TO authenticated
        USING (bucket_id = 'org-files' AND (storage.foldername(name))[1] IN (SELECT org_id::text FROM public.members WHERE user_id = (select auth.uid())));
      CREATE POLICY claim_read ON storage.objects FOR SELECT TO authenticated
        USING ((storage.foldername(name))[1]::uuid = ((select auth.jwt()) -> 'app_metadata' ->> 'org_id')::uuid);
      CREATE POLICY own_files ON storage.objects FOR DELETE TO authenticated USING (owner_id = (select auth.uid())::text);
      CREATE POLICY org_join ON realtime.messages FOR SELECT TO authenticated
        USING (extension = 'broadcast' AND public.is_member(split_part((select realtime.topic()), ':', 2)::uuid));`;
    expect(await problems(scoped)).toEqual([]);
    expect(await problems(scoped, storageRealtimeOpen.check)).toEqual([]);
    expect(await seen(scoped, FILES, { user: ALICE })).toEqual([`${ORG_A}/plan.pdf`]);
    expect(await seen(scoped, FILES, { user: ALICE, org: ORG_A })).toEqual([`${ORG_A}/plan.pdf`]);
    const sendToB = `INSERT INTO realtime.messages (topic, extension) VALUES ('org:${ORG_B}', 'broadcast')`;
    await expect(seen(scoped, sendToB, { user: ALICE, topic: `org:${ORG_B}` })).rejects.toThrow(/row-level security policy/);
    expect(await seen(scoped, CHANNEL, { user: ALICE, topic: `org:${ORG_B}` })).toEqual([]);
    expect(await seen(scoped, CHANNEL, { user: ALICE, topic: `org:${ORG_A}` })).toEqual(['A']);
    expect(await seen(scoped, `DELETE FROM storage.objects RETURNING name`, { user: ALICE })).toEqual([`${ORG_A}/plan.pdf`]);
  });

  it('is an error when a bucket-only or topic-blind policy sits beside one that keys the same rows by tenant', async () => {
    const loose = `${KEYED_WRITES}
      CREATE POLICY bucket_read ON storage.objects FOR SELECT TO authenticated USING (bucket_id = 'org-files' AND (select auth.uid()) IS NOT NULL);
      CREATE POLICY join_broadcasts ON realtime.messages FOR SELECT TO authenticated USING (messages.extension = 'broadcast');`;
    const found = await problems(loose);
    const who = db.role('authenticated');
    expect(found).toEqual([
      {
        table: 'messages',
        key: `${who}:error`,
        severity: 'error',
        message:
          `${who} can SELECT the 'broadcast' messages of every channel in realtime.messages, across tenants: ` +
          `policy "join_broadcasts" USING (extension = 'broadcast'::text) admits them to anyone who reaches the table, ` +
          `while policy "org_send" keys channel topics by tenant or user, so they belong to several tenants; ` +
          `add the tenant condition of policy "org_send" to the policy, or a restrictive policy with it`,
      },
      {
        table: 'objects',
        key: `${who}:error`,
        severity: 'error',
        message:
          `${who} can SELECT every object in bucket 'org-files' in storage.objects, across tenants: ` +
          `policy "bucket_read" USING ((bucket_id = 'org-files'::text) AND ((SELECT auth.uid() AS uid) IS NOT NULL)) ` +
          `admits them to any signed-in user, whichever tenant they belong to, while policy "org_upload" keeps the objects of the bucket ` +
          `per tenant or user by their path, so they belong to several tenants; add the tenant condition of policy "org_upload" to the policy, or a restrictive policy with it`,
      },
    ]);
    // the proofs: Alice, a member of A only, reads B's file and joins B's channel
    expect(await seen(loose, FILES, { user: ALICE })).toContain(`${ORG_B}/payroll.pdf`);
    expect(await seen(loose, CHANNEL, { user: ALICE, topic: `org:${ORG_B}` })).toEqual(['B']);
  });

  it('is a warning when nothing shows the rows belong to several tenants, or a filter cannot be tied to the tenant', async () => {
    const doubtful = `${KEYED_WRITES}
      CREATE POLICY avatars_read ON storage.objects FOR SELECT TO authenticated USING (bucket_id = 'avatars');
      CREATE POLICY avatars_upload ON storage.objects FOR INSERT TO authenticated
        WITH CHECK (bucket_id = 'avatars' AND (storage.foldername(name))[1] = (select auth.uid())::text);
      CREATE POLICY shared_read ON storage.objects FOR SELECT TO authenticated USING (bucket_id = 'shared');
      CREATE POLICY public_folder ON storage.objects FOR UPDATE TO authenticated USING (name LIKE 'public/%') WITH CHECK (name LIKE 'public/%');
      CREATE POLICY lobby ON realtime.messages FOR SELECT TO authenticated USING (topic = 'lobby');`;
    const found = await problems(doubtful);
    const who = db.role('authenticated');
    expect(found.map((p) => [p.table, p.key, p.severity])).toEqual([
      ['messages', `${who}:warning`, 'warning'],
      ['objects', `${who}:warning`, 'warning'],
    ]);
    const files = found[1]!.message;
    expect(files).toMatch(new RegExp(`^could not prove that ${who}'s SELECT and UPDATE on storage\\.objects stays within one tenant: `));
    // per-user folders beside a bucket-wide read: often public on purpose (avatars), so not proven
    expect(files).toContain(
      `it admits every object in bucket 'avatars' while policy "avatars_upload" keys them by user, not by tenant, ` +
        `so tenantguard could not prove they are not meant to be shared with every user; if they are private, add that condition`,
    );
    expect(files).toContain(
      `it admits every object in bucket 'shared' and no policy keys the objects of that bucket by the tenant or user in their path, ` +
        `so tenantguard could not prove objects in bucket 'shared' belong to one tenant`,
    );
    expect(files).toContain(`name ~~ 'public/%'::text does not tie the path or owner of the object to the caller's tenant or user`);
    expect(found[0]!.message).toMatch(/^could not prove that \S+'s SELECT on realtime\.messages stays within one tenant: policy "lobby" USING \(topic = 'lobby'::text\) — topic = 'lobby'::text does not tie the topic/);
  });

  it('is a warning naming a helper it cannot read', async () => {
    const found = await problems(`CREATE POLICY helper_read ON storage.objects FOR SELECT TO authenticated USING (bucket_id = 'org-files' AND public.can_read(name));`);
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.message).toMatch(/could not prove .* public\.can_read\(\) could not be analysed: .*dynamic SQL/);
  });

  it('reports a signed-in check for the roles that pass it, never anon; a bucket-only PUBLIC policy for anon too', async () => {
    const signedIn = `
      CREATE POLICY members_delete ON storage.objects FOR DELETE USING (auth.role() = 'authenticated');
      CREATE POLICY members_join ON realtime.messages FOR SELECT USING ((select auth.uid()) IS NOT NULL);`;
    const open = await problems(signedIn, storageRealtimeOpen.check);
    expect(open.map((p) => [p.table, p.key])).toEqual([
      ['messages', db.role('authenticated')],
      ['objects', db.role('authenticated')],
    ]);
    // anon's token carries no user and names anon: nothing; a signed-in user of A deletes B's file
    expect(await seen(signedIn, CHANNEL, { role: 'anon', topic: `org:${ORG_B}` })).toEqual([]);
    expect(await seen(signedIn, CHANNEL, { user: ALICE, topic: `org:${ORG_B}` })).toEqual(['B']);
    expect(await seen(signedIn, `DELETE FROM storage.objects`, { role: 'anon' })).toEqual(['0']);
    // (a WHERE on name would add the SELECT policies, of which there is none: a DELETE of every row shows it)
    expect(await seen(signedIn, `DELETE FROM storage.objects`, { user: ALICE })).toEqual(['3']);
    const everyone = `${KEYED_WRITES} CREATE POLICY bucket_read ON storage.objects FOR SELECT USING (bucket_id = 'org-files');`;
    expect((await problems(everyone)).map((p) => p.key).sort()).toEqual([`${db.role('anon')}:error`, `${db.role('authenticated')}:error`].sort());
    expect(await seen(everyone, FILES, { role: 'anon' })).toContain(`${ORG_B}/payroll.pdf`);
  });
});
