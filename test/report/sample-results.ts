import type { AuditResult, Finding } from '../../src/check/types.js';
import type { RuleDescriptor } from '../../src/report/options.js';

/**
 * Fixed audit results for reporter tests: reporters are pure functions of
 * the result, so they are tested on data rather than on a database.
 */
export const sampleRules: RuleDescriptor[] = [
  { id: 'rls-disabled', title: 'RLS is disabled on a tenant table', description: 'Every role with a grant reads every tenant’s rows.', defaultSeverity: 'error' },
  { id: 'rls-not-forced', title: 'RLS is not forced', description: 'The table owner bypasses every policy.', defaultSeverity: 'warning' },
  { id: 'with-check-missing', title: 'Write policy without a tenant check', description: 'Rows can be written into another tenant.', defaultSeverity: 'error' },
  { id: 'context-not-wrapped', title: 'Context call evaluated per row', description: 'Wrap current_setting in a scalar subquery.', defaultSeverity: 'info' },
];

function finding(partial: Partial<Finding> & Pick<Finding, 'rule' | 'object' | 'message' | 'fingerprint'>): Finding {
  return { severity: 'error', fix: null, docs: `docs/rules/${partial.rule}.md`, ...partial };
}

export const sampleResult: AuditResult = {
  tool: 'tenantguard',
  version: '0.1.0',
  schemaVersion: 1,
  source: { kind: 'migrations', name: 'drizzle' },
  findings: [
    finding({
      rule: 'rls-disabled',
      object: { kind: 'table', schema: 'public', name: 'projects' },
      message: 'RLS is disabled on public.projects: app_user reads every tenant’s rows.',
      fix: {
        title: 'Enable and force RLS, then add a tenant policy',
        sql: 'ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;\nALTER TABLE public.projects FORCE ROW LEVEL SECURITY;',
      },
      fingerprint: 'a1b2c3d4e5f60718',
      location: { file: 'drizzle/0000_init.sql', line: 12 },
    }),
    finding({
      rule: 'with-check-missing',
      object: { kind: 'policy', schema: 'public', name: 'tenant_write', table: 'tasks' },
      message: 'Policy tenant_write on public.tasks lets app_user insert rows of any tenant.',
      fingerprint: '1122334455667788',
      location: { file: 'drizzle/0003_policies.sql', line: 4 },
    }),
    finding({
      rule: 'rls-not-forced',
      severity: 'warning',
      object: { kind: 'table', schema: 'public', name: 'tasks' },
      message: 'The owner of public.tasks bypasses its policies (no FORCE ROW LEVEL SECURITY).',
      fingerprint: '99aabbccddeeff00',
    }),
    finding({
      rule: 'context-not-wrapped',
      severity: 'info',
      object: { kind: 'policy', schema: 'public', name: 'tenant_read', table: 'tasks' },
      message: 'current_setting() is evaluated once per row.',
      fingerprint: '0f0e0d0c0b0a0908',
    }),
  ],
  summary: { error: 2, warning: 1, info: 1, tables: 4, tenantTables: 3 },
};

/** Names Postgres accepts as quoted identifiers that break naive reporters. */
export const hostileNames = [
  'Order Items',
  'a"b',
  "it's",
  '<script>alert(1)</script>',
  'x & y ]]> z',
  'a|b,c:d%25e',
  'line\nbreak\r\ttab',
  'bell\u0007char',
  '名前 😀',
  '*bold* _em_ `code` [link](x) ~~s~~ $x$',
];

export const hostileResult: AuditResult = {
  ...sampleResult,
  source: { kind: 'database', name: 'app"db<1>' },
  findings: hostileNames.map((name, i) =>
    finding({
      rule: i % 2 === 0 ? 'rls-disabled' : 'with-check-missing',
      object: i % 2 === 0 ? { kind: 'table', schema: 'Sch"ema', name } : { kind: 'policy', schema: 'public', name, table: name },
      message: `RLS is disabled on ${name}.`,
      fix: { title: `Fix ${name}`, sql: `ALTER TABLE "${name.replace(/"/g, '""')}" ENABLE ROW LEVEL SECURITY; -- \`\`\` ${name}` },
      fingerprint: `hostile${i}`,
      location: i % 3 === 0 ? { file: `migrations/${name}.sql`, line: i + 1 } : undefined,
    }),
  ),
  summary: { error: hostileNames.length, warning: 0, info: 0, tables: hostileNames.length, tenantTables: hostileNames.length },
};

export const cleanResult: AuditResult = {
  ...sampleResult,
  findings: [],
  summary: { error: 0, warning: 0, info: 0, tables: 4, tenantTables: 3 },
};

/** A root cause with the consequences folded into it (check/root-causes.ts), beside an ordinary finding. */
export const collapsedResult: AuditResult = {
  ...sampleResult,
  source: { kind: 'database', name: 'app' },
  findings: [
    finding({
      rule: 'policy-bypass-setting',
      object: { kind: 'policy', schema: 'public', name: 'tenant', table: 'projects' },
      message: "policy \"tenant\" on public.projects: USING (… OR current_setting('app.is_superadmin', true) = 'true') is true whenever a session sets app.is_superadmin.",
      fix: { title: 'Add a restrictive tenant policy on public.projects', sql: 'CREATE POLICY tenant_isolation ON public.projects AS RESTRICTIVE …;' },
      fingerprint: 'feedfacecafebeef',
      location: { file: 'migrations/0002_policies.sql', line: 7 },
      related: [
        {
          rule: 'read-not-tenant-scoped',
          severity: 'error',
          object: { kind: 'table', schema: 'public', name: 'projects' },
          message: 'app_user can SELECT, UPDATE and DELETE rows of any organization in public.projects: policy "tenant" USING (…)',
          impact: 'app_user can SELECT, UPDATE and DELETE rows of any organization in public.projects',
          fingerprint: '0123456789abcdef',
          location: { file: 'migrations/0001_tables.sql', line: 3 },
        },
        {
          rule: 'write-check-not-tenant-scoped',
          severity: 'error',
          object: { kind: 'table', schema: 'public', name: 'projects' },
          message: 'app_user can INSERT rows for any organization into public.projects: policy "tenant" WITH CHECK (…)',
          fingerprint: 'fedcba9876543210',
        },
      ],
    }),
    finding({
      rule: 'context-not-wrapped',
      severity: 'info',
      object: { kind: 'policy', schema: 'public', name: 'tenant', table: 'projects' },
      message: 'current_setting() is evaluated once per row.',
      fingerprint: '0f0e0d0c0b0a0909',
    }),
    finding({
      rule: 'unique-not-tenant-scoped',
      severity: 'warning',
      object: { kind: 'constraint', schema: 'public', name: 'projects_slug_key', table: 'projects' },
      message: 'unique constraint projects_slug_key on public.projects (slug) does not include organization_id.',
      fingerprint: '5555666677778888',
    }),
  ],
  summary: { error: 1, warning: 1, info: 1, tables: 3, tenantTables: 2 },
};
