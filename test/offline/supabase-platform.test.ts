/**
 * The Supabase platform offline: pgcrypto and uuid-ossp preinstalled in
 * `extensions` (on the search path), pgvector, the storage schema with
 * owner_id, database webhooks, the platform roles, and statements that need
 * an extension the embedded engine does not ship skipped — those only.
 * These run on the embedded engine whatever the test engine is: it is what
 * `--offline` uses; the parity test compares the verdicts with a server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { openSource, type OpenedSource } from '../../src/db/source.js';
import storageRealtimeOpen from '../../src/rules/storage-realtime-open.js';
import storageRealtimeUnscoped from '../../src/rules/storage-realtime-unscoped.js';
import { MigrationError } from '../../src/errors.js';
import { dirWith } from '../support/cli.js';

const opened: OpenedSource[] = [];
// one pristine data directory for the file's engines: initdb once, not per test
const cacheDir = await mkdtemp(join(tmpdir(), 'tenantguard-cache-'));
afterAll(async () => {
  for (const source of opened) await source.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function offline(files: Record<string, string>): Promise<OpenedSource> {
  const cwd = await dirWith(files);
  const source = await openSource({ cwd, env: { TENANTGUARD_CACHE_DIR: cacheDir }, offline: true, statementTimeoutMs: 0, lockTimeoutMs: 0 });
  opened.push(source);
  return source;
}

describe('the Supabase platform offline', () => {
  it('has what migrations of a Supabase app assume: extensions on the search path, storage.owner_id, webhooks, roles, vector', async () => {
    const source = await offline({
      'supabase/migrations/20240601000000_init.sql': `
create table public.organizations (
  id uuid primary key default uuid_generate_v4(),
  invite_code text not null default encode(gen_random_bytes(12), 'hex')
);
create policy own_files on storage.objects for select to authenticated using (owner_id = (select auth.uid())::text);
create policy own_buckets on storage.buckets for select to authenticated using (owner_id = (select auth.uid())::text);
create trigger organizations_webhook after insert on public.organizations
  for each row execute function supabase_functions.http_request('https://example.com/hook', 'POST', '{}', '{}', '1000');
create extension if not exists vector with schema extensions;
create table public.embeddings (id bigserial primary key, organization_id uuid not null references public.organizations (id), embedding extensions.vector(3));
create index on public.embeddings using hnsw (embedding extensions.vector_cosine_ops);
insert into public.organizations default values;
`,
    });
    expect(source.migrations!.skipped).toEqual([]);
    const { client } = source.connection;
    const { rows } = await client.query(`SELECT length(invite_code) AS code, (SELECT count(*) FROM public.organizations) AS n FROM public.organizations`);
    expect(rows).toEqual([{ code: 24, n: '1' }]);
    const roles = await client.query(
      `SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname IN ('supabase_admin', 'dashboard_user', 'authenticator') ORDER BY rolname`,
    );
    expect(roles.rows).toEqual([
      { rolname: 'authenticator', rolcanlogin: true, rolsuper: false },
      { rolname: 'dashboard_user', rolcanlogin: false, rolsuper: false },
      { rolname: 'supabase_admin', rolcanlogin: false, rolsuper: true },
    ]);
    const extensions = await client.query(
      `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1`,
    );
    expect(extensions.rows).toEqual([
      { extname: 'pgcrypto', nspname: 'extensions' },
      { extname: 'uuid-ossp', nspname: 'extensions' },
      { extname: 'vector', nspname: 'extensions' },
    ]);
    // Default privileges grant new public tables to the API roles, as on the platform.
    const grants = await client.query(`SELECT has_table_privilege('authenticated', 'public.embeddings', 'TRUNCATE') AS truncate`);
    expect(grants.rows).toEqual([{ truncate: true }]);
  });

  it('has realtime.messages, so policies on private channels are created and audited', async () => {
    const source = await offline({
      'supabase/migrations/20240601000000_init.sql': `
create table public.organizations (id uuid primary key default gen_random_uuid());
create policy "join any channel" on realtime.messages for select to authenticated using (true);
create policy "org channels" on realtime.messages for insert to authenticated
  with check (realtime.topic() = 'org:' || (select auth.uid())::text);
`,
    });
    expect(source.migrations!.skipped).toEqual([]);
    const { client } = source.connection;
    const ctx = await buildRuleContext(await introspect(client, { schemas: null }), { ...DEFAULT_CONFIG });
    const found = storageRealtimeOpen.check(ctx).map((p) => [p.object.schema, p.object.name, p.key, p.message.split(':')[0]]);
    // anon holds SELECT too, but the policy is only for authenticated; INSERT is bounded by the topic
    expect(found).toEqual([['realtime', 'messages', 'authenticated', 'authenticated can SELECT every private channel, including ones that broadcast tenant rows in realtime.messages']]);
    // realtime.topic() is the topic being joined: compared with the caller's id, sending is scoped
    expect(storageRealtimeUnscoped.check(ctx)).toEqual([]);
  });

  it('loads no extension a migration does not use', async () => {
    const source = await offline({ 'supabase/migrations/20240601000000_init.sql': 'create table public.t (id uuid primary key default gen_random_uuid());' });
    const { rows } = await source.connection.client.query(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'`);
    expect(rows).toEqual([]);
  });

  it('skips only the statements that need an unavailable extension, or what such a statement creates', async () => {
    const source = await offline({
      'migrations/001_init.sql': `create extension if not exists postgis;
create table organizations (id int primary key);
create table sites (id int primary key, organization_id int not null references organizations, location geography(point));
create index sites_location_idx on sites using gist (location);
alter table sites enable row level security;
create function nearby_sites(lat float8) returns setof sites language sql stable as $$ select * from sites $$;
create table notes (id int primary key, organization_id int not null references organizations, body text);
select st_makepoint(1, 2);
alter table notes enable row level security;
`,
    });
    expect(source.migrations!.skipped.map((s) => [s.line, s.reason])).toEqual([
      [1, 'extension "postgis" is not available in the embedded engine'],
      [3, 'type "geography" does not exist (extension "postgis" would create it; it is not available in the embedded engine)'],
      [4, 'relation "sites" does not exist (created by the skipped statement at migrations/001_init.sql:3)'],
      [5, 'relation "sites" does not exist (created by the skipped statement at migrations/001_init.sql:3)'],
      [6, 'type "sites" does not exist (created by the skipped statement at migrations/001_init.sql:3)'],
      [8, expect.stringMatching(/^function st_makepoint\(integer, integer\) does not exist \(extension "postgis" would create it/)],
    ]);
    expect(source.migrations!.skipped[1]!.creates).toEqual([
      { kind: 'table', schema: null, name: 'sites', columns: ['id', 'organization_id', 'location'] },
    ]);
    const { rows } = await source.connection.client.query(`SELECT relname, relrowsecurity FROM pg_class WHERE relname = 'notes'`);
    expect(rows).toEqual([{ relname: 'notes', relrowsecurity: true }]);
  });

  it('stops on an unrelated error after an unavailable extension, with a hint', async () => {
    const error = await offline({
      'migrations/001_init.sql': 'create extension if not exists pg_cron;\nselect cron.schedule(\'x\', \'* * * * *\', \'select 1\');\ninsert into missing_table values (1);\n',
    }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(/001_init\.sql:3: relation "missing_table" does not exist/);
    expect((error as MigrationError).hint).toMatch(/extension "pg_cron".*--setup FILE/);
  });
});
