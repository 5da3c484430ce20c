import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES_DIR, fillTemplate, placeholdersOf } from '../../src/scaffold/fill-template.js';
import { boundedName, truncateUtf8 } from '../../src/scaffold/migration/names.js';
import { commentText } from '../../src/scaffold/migration/comment-text.js';
import { loadMigrationTemplates, type MigrationTemplates } from '../../src/scaffold/migration/render.js';
import { createRoleIfMissing, enableRls, forceRls, securityInvokerView, setNotNull, tenantContext, tenantPredicate } from '../../src/sql/statements.js';

/** A plausible, already-quoted value for each placeholder, by what it stands for. */
const SAMPLES: Record<string, string> = {
  table: '"Tenant Data"."Order Items"',
  root: '"public"."organizations"',
  view: '"public"."project_summary"',
  policy: '"tenant_access"',
  constraint: '"order_items_organization_id_fkey"',
  index: '"order_items_organization_id_idx"',
  tenant_column: '"organization_id"',
  root_key: '"id"',
  column_type: 'uuid',
  context_setting: "'app.current_org_id'",
  app_role: '"app_user"',
  roles: '"app_user", PUBLIC',
  grantees: 'PUBLIC, "reporting"',
  table_regclass: `'"Tenant Data"."Order Items"'`,
  constraint_literal: "'order_items_organization_id_fkey'",
  source: 't2."organization_id"',
  from_list: '"public"."orders" AS t1, "public"."projects" AS t2',
  join_condition: 't0."order_id" = t1."id" AND t1."project_id" = t2."id"',
  policy_kind: 'RESTRICTIVE',
  command: 'UPDATE',
  using: `"organization_id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`,
  with_check: '"organization_id" IS NOT NULL',
  predicate: 'public.is_org_member(organization_id)',
  statement: 'ALTER TABLE "public"."projects" ADD CONSTRAINT "p_key" UNIQUE ("organization_id", "id");',
  tenant_context: tenantContext('app.current_org_id', 'uuid'),
  enable_rls: enableRls({ schema: 'Tenant Data', name: 'Order Items' }),
  force_rls: forceRls({ schema: 'Tenant Data', name: 'Order Items' }),
  set_not_null: setNotNull({ schema: 'Tenant Data', name: 'Order Items' }, 'organization_id'),
  security_invoker: securityInvokerView({ schema: 'public', name: 'project_summary' }),
  create_role: createRoleIfMissing('App "Role"').replace(/\n/g, '\n  '),
};

/** Placeholders that stand on a line of their own and become whole `--` comment lines. */
const COMMENT_BLOCKS = ['findings', 'notes', 'summary', 'blocks'];

let templates: MigrationTemplates;
beforeAll(async () => {
  await loadModule();
  templates = await loadMigrationTemplates();
});

describe('templates/migration', () => {
  it('are real files, one per thing the migration does', async () => {
    const files = (await readdir(path.join(TEMPLATES_DIR, 'migration'))).sort();
    expect(files).toContain('tenant-isolation-policy.sql');
    expect(Object.keys(templates).sort()).toEqual(files.map((f) => f.replace(/\.sql$/, '')).sort());
  });

  it('are valid SQL once their placeholders are filled', () => {
    for (const [name, template] of Object.entries(templates)) {
      const sql = template.replace(/\{\{([a-z_]+)\}\}/g, (_m, key: string) =>
        key in SAMPLES ? SAMPLES[key]! : COMMENT_BLOCKS.includes(key) ? '--   sample line' : `sample ${key}`,
      );
      const statements = (parseSync(sql) as { stmts?: unknown[] }).stmts ?? [];
      const commentOnly = sql.split('\n').every((l) => !l.trim() || l.trim().startsWith('--'));
      expect(statements.length > 0, name).toBe(!commentOnly);
    }
  });

  it('put SQL placeholders only where a quoted value or a keyword from a fixed set goes', () => {
    const sqlPlaceholders = new Set([...Object.keys(SAMPLES), ...COMMENT_BLOCKS]);
    for (const [name, template] of Object.entries(templates)) {
      for (const line of template.split('\n')) {
        if (line.trim().startsWith('--')) continue;
        for (const key of placeholdersOf(line)) expect(sqlPlaceholders.has(key), `${name}: {{${key}}}`).toBe(true);
      }
    }
  });

  it('spell out the safe shape of docs/postgres-rls.md', () => {
    const table = { schema: 'public', name: 'projects' };
    const values = { table: '"public"."projects"', app_role: '"app_user"', predicate: tenantPredicate('organization_id', 'app.current_org_id', 'uuid') };
    const predicate = `"organization_id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`;
    const shape = (kind: string, policy: string) =>
      `CREATE POLICY "${policy}" ON "public"."projects" AS ${kind} FOR ALL TO "app_user"\n  USING      (${predicate})\n  WITH CHECK (${predicate});`;
    expect(fillTemplate(templates['tenant-isolation-policy']!, { ...values, policy: '"tenant_isolation"' })).toContain(shape('RESTRICTIVE', 'tenant_isolation'));
    expect(fillTemplate(templates['tenant-access-policy']!, { ...values, policy: '"tenant_access"' })).toContain(shape('PERMISSIVE', 'tenant_access'));
    const rls = fillTemplate(templates['enable-rls']!, { enable_rls: enableRls(table), force_rls: forceRls(table) });
    expect(rls).toMatch(/^ALTER TABLE "public"."projects" ENABLE ROW LEVEL SECURITY;\n[^]*\nALTER TABLE "public"."projects" FORCE ROW LEVEL SECURITY;\n$/);
  });
});

describe('fillTemplate', () => {
  it('substitutes in one pass, so a value that looks like a placeholder stays as it is', () => {
    expect(fillTemplate('ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;', { table: '"{{table}}"' })).toBe(
      'ALTER TABLE "{{table}}" ENABLE ROW LEVEL SECURITY;',
    );
  });

  it('fails on a missing or an unused value', () => {
    expect(() => fillTemplate('{{a}} {{b}}', { a: '1' }, 't.sql')).toThrow('t.sql: no value for {{b}}');
    expect(() => fillTemplate('{{a}}', { a: '1', c: '2' }, 't.sql')).toThrow('t.sql: unused values c');
  });
});

describe('commentText', () => {
  it('keeps a line break in a name from ending the comment', () => {
    const text = commentText('evil\nDROP TABLE x; --\r');
    expect(text).not.toMatch(/[\n\r]/);
    expect(text).toBe('evil\\u000aDROP TABLE x; --\\u000d');
  });
});

describe('boundedName', () => {
  it('keeps short names as they are', () => {
    expect(boundedName('projects_organization_id', '_idx')).toBe('projects_organization_id_idx');
  });

  it('fits long names in 63 bytes without splitting a character, distinct and stable', () => {
    const long = 'ü'.repeat(40);
    const a = boundedName(`${long}a_organization_id`, '_idx');
    const b = boundedName(`${long}b_organization_id`, '_idx');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toBe(boundedName(`${long}a_organization_id`, '_idx'));
    expect(a).toMatch(/^ü+_[0-9a-f]{8}_idx$/);
    expect(truncateUtf8('aü', 2)).toBe('a');
  });
});
