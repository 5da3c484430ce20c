/**
 * The real-app case (fixtures/scaffold/real-app): token hashes with UNIQUE,
 * an audit log written without a tenant, a deliberate platform-admin policy
 * and another database's role with a default of the same setting. The
 * scaffold writes the isolation steps, holds the behaviour-changing ones for
 * review, touches no foreign role, and claims only what it fixes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldKinds } from '../../src/scaffold/migration/review.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { audit, scaffold, type Audited, type Scaffolded } from './support.js';

const SCHEMA = readFileSync(new URL('../../fixtures/scaffold/real-app/schema.sql', import.meta.url), 'utf8');

/** The SQL that runs: every line that is not a comment. */
const executable = (sql: string) => sql.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');

let db: TestDatabase;
let before: Audited;
let scaffolded: Scaffolded;

beforeAll(async () => {
  db = await createTestDatabase({ setup: SCHEMA });
  before = await audit(db, { appRole: db.role('app_user') });
  scaffolded = await scaffold(before, null, []);
});
afterAll(() => db?.close());

/** Applies the migration, runs `fn`, and rolls both back. */
async function applied<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  await db.client.query('BEGIN');
  try {
    await db.client.query(sql.replace(/^BEGIN;$/m, '').replace(/^COMMIT;$/m, ''));
    return await fn();
  } finally {
    await db.client.query('ROLLBACK');
  }
}

describe('scaffold migration on the real-app case', () => {
  it('writes nothing about the role of another database', () => {
    expect(scaffolded.sql).not.toContain(db.role('billing_worker'));
    expect(before.findings.some((f) => f.object.name === db.role('billing_worker'))).toBe(false);
  });

  it('never re-scopes a token hash, not even with --include all', async () => {
    const all = await scaffold(before);
    for (const { sql } of [scaffolded, all]) expect(sql).not.toMatch(/UNIQUE \([^)]*"token_hash"/);
  });

  it('holds exactly the behaviour-changing steps for review, commented out, with their reasons', () => {
    const { plan, sql } = scaffolded;
    expect(plan.review.map((r) => `${r.kind} ${r.step.kind}`).sort()).toEqual([
      'not-null set-not-null', // audit_logs.organization_id has NULL rows
      'restrictive-policy tenant-policy', // projects' platform_admin_all
      'unique-scope rule-fix', // projects.slug, a per-tenant value
    ]);
    const review = sql.slice(sql.indexOf('-- REVIEW REQUIRED'), sql.indexOf('COMMIT;'));
    expect(review.split('\n').filter((l) => l.trim() !== '').every((l) => l.startsWith('--'))).toBe(true);
    expect(review).toContain('-- [not-null] NOT NULL on public.audit_logs.organization_id');
    expect(review).toContain('(platform_admin_all)');
    expect(review).toContain('-- ALTER TABLE "public"."audit_logs" ALTER COLUMN "organization_id" SET NOT NULL;');
    expect(executable(sql)).not.toContain('SET NOT NULL');
    expect(executable(sql)).not.toMatch(/"tenant_isolation" ON "public"."projects"/);
    expect(executable(sql)).not.toContain('projects_slug_key');
    expect(sql).toMatch(/--include not-null --include restrictive-policy\s+(--\s+)?--include unique-scope/);
  });

  it('presents each held kind once, with what it takes away and the objects it would change (the question asked on a terminal)', () => {
    const held = heldKinds(scaffolded.plan.review);
    expect(held.map((h) => [h.kind, h.objects])).toEqual([
      ['not-null', ['column public.audit_logs.organization_id']],
      ['restrictive-policy', ['policy public.projects.tenant_isolation']],
      ['unique-scope', ['constraint public.projects.projects_slug_key']],
    ]);
    expect(held.find((h) => h.kind === 'restrictive-policy')!.reason).toContain('deliberate cross-tenant path');
  });

  it('claims in its header only what it writes', () => {
    const claimed = scaffolded.plan.findings.map((f) => `${f.rule} ${f.object.name}`);
    expect(claimed).not.toContain('tenant-column-nullable organization_id');
    expect(claimed.some((c) => c.startsWith('unique-not-tenant-scoped'))).toBe(false);
    expect(claimed.some((c) => c.startsWith('read-not-tenant-scoped'))).toBe(false);
  });

  it('claims context-not-wrapped only with the rewrap in the file: the recreated policy calls the setting once, in a subquery', () => {
    const claimed = scaffolded.plan.findings.map((f) => `${f.rule} ${f.object.name}`);
    expect(claimed).toContain('context-not-wrapped tenant_access');
    const recreated = executable(scaffolded.sql).match(/CREATE POLICY "tenant_access" ON "public"\."projects"[^;]*;/)![0];
    expect(recreated).toContain("(SELECT NULLIF(current_setting('app.current_org_id', true), '')::integer)");
    expect(recreated.replaceAll("(SELECT NULLIF(current_setting('app.current_org_id', true), '')::integer)", '')).not.toContain('current_setting');
  });

  it('does not put the old expression back over a policy it recreates', () => {
    expect(executable(scaffolded.sql)).not.toMatch(/ALTER POLICY "tenant_access"/);
  });

  it('fixes every finding its header names, and keeps the platform-admin path', async () => {
    const after = await applied(scaffolded.sql, () => audit(db, { appRole: db.role('app_user') }));
    const remaining = new Set(after.findings.map((f) => f.fingerprint));
    expect(scaffolded.plan.findings.filter((f) => remaining.has(f.fingerprint)).map((f) => `${f.rule} ${f.object.name}`)).toEqual([]);
    const seen = await applied(scaffolded.sql, () =>
      db.asRole('app_user', async (c) => {
        const own = (await c.query('SELECT organization_id FROM projects ORDER BY 1')).rows.map((r) => r.organization_id);
        await c.query("SELECT set_config('app.user_id', 'staff', true)");
        const staff = (await c.query('SELECT organization_id FROM projects ORDER BY 1')).rows.map((r) => r.organization_id);
        return { own, staff };
      }, { value: '1' }),
    );
    expect(seen).toEqual({ own: [1], staff: [1, 2] });
  });

  it('writes a held kind as statements when --include selects it', async () => {
    const { plan, sql } = await scaffold(before, null, ['unique-scope']);
    expect(plan.review.map((r) => r.kind).sort()).toEqual(['not-null', 'restrictive-policy']);
    expect(executable(sql)).toContain('ADD CONSTRAINT "projects_slug_key" UNIQUE ("organization_id", "slug")');
    expect(sql).toContain('Written as statements because --include selected them: unique-scope');
  });
});
