/**
 * The offline audit (migrations applied to the embedded engine) must find
 * what an audit of the same schema on a PostgreSQL server finds. Each example
 * app under fixtures/apps is audited both ways; the server half runs when
 * TENANTGUARD_TEST_DATABASE_URL is set.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { auditDetailed, runAudit } from '../../src/audit.js';
import type { Finding } from '../../src/check/types.js';
import { applyMigrations } from '../../src/db/migrations/apply.js';
import { discoverMigrations } from '../../src/db/migrations/discover.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';

const APPS = [
  { name: 'drizzle', folder: 'drizzle', appRole: 'app_user' },
  { name: 'supabase', folder: 'supabase/migrations', appRole: undefined },
  { name: 'prisma', folder: 'prisma/migrations', appRole: 'app_user' },
] as const;

const appDir = (name: string) => fileURLToPath(new URL(`../../fixtures/apps/${name}/`, import.meta.url));

/**
 * Supabase's service_role is a platform role by its real name (info); on the shared
 * server every role is namespaced, so it is judged as an ordinary role there.
 */
const isServiceRole = (f: Finding) => f.rule === 'role-bypasses-rls' && f.object.name.endsWith('service_role');

/** What must agree between the engines: everything but the file location, which only migrations have. */
function comparable(findings: Finding[], rolePrefix = '') {
  return findings.filter((f) => !isServiceRole(f)).map(({ location: _location, fingerprint, ...rest }) => {
    // a consequence's fingerprint may hold a (namespaced) role name: the finding's own is compared below
    const related = rest.related?.map(({ location: _at, fingerprint: _fingerprint, ...r }) => r);
    const text = JSON.stringify(related ? { ...rest, related } : rest);
    // Fingerprints are compared where no (namespaced) role name went into them.
    const normalized = rolePrefix ? text.replaceAll(rolePrefix, '') : text;
    return { ...JSON.parse(normalized), fingerprint: rolePrefix && text.includes(rolePrefix) ? '(role-dependent)' : fingerprint };
  });
}

const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

describe.each(APPS)('the $name example app', ({ name, folder, appRole }) => {
  let offline: Finding[];

  it('is audited offline from its detected migrations folder, findings pointing at migration lines', async () => {
    const result = await runAudit({ cwd: appDir(name), env: {} });
    expect(result.source).toEqual({ kind: 'migrations', name: folder });
    offline = result.findings;
    // consequences folded into a root cause count too (migration-disables-rls is listed inside rls-disabled)
    const rules = offline.flatMap((f) => [f, ...(f.related ?? [])]).map((f) => `${f.object.name}:${f.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'invoices:migration-disables-rls',
        'invoices:rls-disabled',
        'tasks:rls-disabled',
        'organization_members:rls-not-forced',
      ]),
    );
    // projects is the table done right: RLS enabled, forced, a tenant policy (other rules may still speak, e.g. about grants).
    expect(rules.filter((r) => /^projects:(rls-|migration-|with-check|read-not|write-check)/.test(r))).toEqual([]);
    // Objects the migrations created point at them (roles the Supabase platform provides do not).
    for (const finding of offline.filter((f) => f.object.schema === 'public')) {
      expect(finding.location?.file).toMatch(new RegExp(`^${folder}/`));
    }
    const invoices = offline.find((f) => f.rule === 'rls-disabled' && f.object.name === 'invoices')!;
    const disabled = invoices.related!.find((r) => r.rule === 'migration-disables-rls')!;
    expect(disabled.location!.file).toContain('invoices_policy_moved');
  });

  it.skipIf(!serverUrl)('finds the same on a PostgreSQL server with the same schema', async () => {
    const db = await createTestDatabase();
    opened.push(db);
    const discovered = await discoverMigrations(folder, appDir(name));
    // Roles are cluster-wide on a shared server: every role the schema creates
    // (Supabase's anon, authenticated, service_role included) is namespaced.
    await applyMigrations(db.client, {
      ...discovered,
      prelude: discovered.prelude && db.sql(discovered.prelude),
      files: discovered.files.map((f) => ({ ...f, statements: f.statements.map((s) => ({ ...s, sql: db.sql(s.sql) })) })),
    });
    const live = await runAudit({ cwd: appDir(name), env: {}, db: db.url!, appRole: appRole && db.role(appRole) });
    expect(live.source.kind).toBe('database');
    const server = comparable(live.findings, db.role(''));
    // migration-disables-rls reads migration files: there are none on a server.
    const withoutMigrationFiles = offline.map(({ related, ...f }) => {
      const kept = (related ?? []).filter((r) => r.rule !== 'migration-disables-rls');
      return kept.length > 0 ? { ...f, related: kept } : f;
    });
    const embedded = comparable(withoutMigrationFiles).map((f, i) =>
      server[i]?.fingerprint === '(role-dependent)' ? { ...f, fingerprint: '(role-dependent)' } : f,
    );
    expect(server).toEqual(embedded);
    expect(server.length).toBeGreaterThanOrEqual(5);
  });
});

/**
 * Apps that reproduce what made offline audits fail or miss findings on real
 * repositories; each must be audited offline (no exit 2, nothing dropped
 * silently) and reach the server's verdict.
 */
const PLATFORM_APPS = [
  {
    // unqualified gen_random_bytes()/uuid_generate_v4(), storage.objects.owner_id, a database webhook
    name: 'supabase-platform',
    folder: 'supabase/migrations',
    appRole: undefined,
    expected: ['api_tokens_read:policy-always-true', 'api_tokens:read-not-tenant-scoped', 'authenticated:truncate-granted'],
    skipped: [] as string[],
    serverNeeds: null,
  },
  {
    // a vector column under a tenant policy: its truncate grant and SECURITY DEFINER search must be reported
    name: 'vector',
    folder: 'migrations',
    appRole: 'app_user',
    expected: ['app_user:truncate-granted', 'match_embeddings:security-definer-function'],
    skipped: [] as string[],
    serverNeeds: 'vector',
  },
  {
    // postgis is not shipped: only the statements that need it are skipped
    name: 'unavailable-extension',
    folder: 'migrations',
    appRole: 'app_user',
    expected: ['invoices:rls-disabled', 'projects_tenant:with-check-missing', 'sites:offline-table-skipped'],
    skipped: ['2: extension "postgis"', '8: type "geography"', '13: relation "sites"', '14: relation "sites"'],
    serverNeeds: null,
  },
  {
    // drizzle files that end with `--> statement-breakpoint`
    name: 'drizzle-breakpoint',
    folder: 'drizzle',
    appRole: 'app_user',
    expected: ['notes:rls-not-forced'],
    skipped: [] as string[],
    serverNeeds: null,
  },
  {
    // a monorepo: the migrations folder of packages/api, found from the root through its drizzle.config's `out` (relative to the config's folder)
    name: 'monorepo',
    folder: 'packages/api/db/migrations',
    appRole: 'app_user',
    expected: ['projects:rls-disabled'],
    skipped: [] as string[],
    serverNeeds: null,
  },
] as const;

async function serverHas(extension: string): Promise<boolean> {
  const db = await createTestDatabase();
  try {
    const { rows } = await db.client.query(`SELECT 1 FROM pg_available_extensions WHERE name = $1`, [extension]);
    return rows.length > 0;
  } finally {
    await db.close();
  }
}

describe.each(PLATFORM_APPS)('the $name app', ({ name, folder, appRole, expected, skipped, serverNeeds }) => {
  let offline: Finding[];

  it('is audited offline: what the platform provides is there, only what needs a missing extension is skipped', async () => {
    const run = await auditDetailed({ cwd: appDir(name), env: {}, offline: true, appRole });
    expect(run.result.source).toEqual({ kind: 'migrations', name: folder });
    expect(run.migrations!.skipped.map((s) => `${s.line}: ${s.reason}`)).toEqual(skipped.map((s) => expect.stringMatching(new RegExp(`^${s}`))));
    offline = run.result.findings;
    const rules = offline.flatMap((f) => [f, ...(f.related ?? [])]).map((f) => `${f.object.name}:${f.rule}`);
    expect(rules).toEqual(expect.arrayContaining([...expected]));
  });

  it.skipIf(!serverUrl)('finds the same on a PostgreSQL server with the same schema', async (context) => {
    if (serverNeeds && !(await serverHas(serverNeeds))) {
      context.skip(`the server does not have extension ${serverNeeds}`);
      return;
    }
    const db = await createTestDatabase();
    opened.push(db);
    const discovered = await discoverMigrations(folder, appDir(name));
    const applied = await applyMigrations(db.client, {
      ...discovered,
      prelude: discovered.prelude && db.sql(discovered.prelude),
      files: discovered.files.map((f) => ({ ...f, statements: f.statements.map((s) => ({ ...s, sql: db.sql(s.sql) })) })),
    });
    // the server skips what the embedded engine skips: neither has the missing extension
    expect(applied.skipped.map((s) => s.line)).toEqual(skipped.map((s) => Number(s.split(':')[0])));
    const live = await runAudit({ cwd: appDir(name), env: {}, db: db.url!, appRole: appRole && db.role(appRole) });
    const server = comparable(live.findings, db.role(''));
    // offline-table-skipped reads the migrations the embedded engine skipped: a server has no migration files
    const embedded = comparable(offline.filter((f) => f.rule !== 'offline-table-skipped')).map((f, i) =>
      server[i]?.fingerprint === '(role-dependent)' ? { ...f, fingerprint: '(role-dependent)' } : f,
    );
    expect(server).toEqual(embedded);
  });
});
