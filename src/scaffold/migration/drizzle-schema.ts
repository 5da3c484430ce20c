/**
 * `--drizzle-schema`: the pgPolicy(...) / .enableRLS() code that declares in
 * the Drizzle schema what the migration creates, so `drizzle-kit push` (which
 * compares the schema with the database) does not drop the policies, and the
 * snapshot of the next `generate --custom` records them. FORCE has no Drizzle
 * equivalent; it lives only in the migration.
 */
import { displayName, quoteLiteral } from '../../sql/quote.js';
import { tenantPredicateSql } from './render.js';
import type { MigrationPlan, MigrationStep, PolicyExpression, TenantPredicate } from './types.js';

type PolicyStep = Extract<MigrationStep, { kind: 'tenant-policy' | 'replace-policy' }>;

/** Drizzle column builders for the tenant column types that occur in practice. */
const BUILDERS: Record<string, (column: string) => string> = {
  uuid: (c) => `uuid(${js(c)})`,
  text: (c) => `text(${js(c)})`,
  bigint: (c) => `bigint(${js(c)}, { mode: 'number' })`,
  integer: (c) => `integer(${js(c)})`,
};

export function renderDrizzleSchema(plan: MigrationPlan): string {
  const out: string[] = [
    `// Paste into your Drizzle schema (import { sql } from 'drizzle-orm' and pgPolicy, plus the column builders, from 'drizzle-orm/pg-core').`,
    `// Paste it before running \`tenantguard scaffold migration --layout drizzle\`, so drizzle-kit's snapshot matches what the migration creates.`,
  ];
  for (const table of plan.tables) {
    const steps = plan.steps.filter(
      (s): s is PolicyStep | Extract<MigrationStep, { kind: 'add-tenant-column' }> =>
        (s.kind === 'tenant-policy' || s.kind === 'replace-policy' || s.kind === 'add-tenant-column') &&
        s.table.schema === table.schema &&
        s.table.name === table.name,
    );
    out.push('', `// ${displayName(table.schema, table.name)}: pgTable(${js(table.name)}, { … }, (t) => [ … ]).enableRLS()`);
    for (const step of steps) {
      if (step.kind === 'add-tenant-column') {
        out.push('// in the columns:', `${camelCase(step.predicate.column)}: ${columnCode(step.predicate, step.root)},`);
      }
    }
    const policies = steps.filter((s): s is PolicyStep => s.kind !== 'add-tenant-column');
    if (policies.length > 0) out.push('// in the extra config array:');
    for (const step of policies) out.push(policyCode(step));
  }
  return `${out.join('\n')}\n`;
}

function columnCode(p: TenantPredicate, root: { name: string; key: string } | null): string {
  const base = p.columnType in BUILDERS ? BUILDERS[p.columnType]!(p.column) : `customType(/* ${p.columnType} */)(${js(p.column)})`;
  const reference = root ? `.references(() => ${camelCase(root.name)}.${camelCase(root.key)})` : '';
  const fallback = `(NULLIF(current_setting(${quoteLiteral(p.contextSetting)}, true), '')::${p.columnType})`;
  return `${base}.notNull()${reference}.default(sql\`${templateText(fallback)}\`)`;
}

function policyCode(step: PolicyStep): string {
  const roles = step.kind === 'tenant-policy' ? [step.appRole] : step.roles;
  const using = step.kind === 'tenant-policy' ? ({ kind: 'tenant' } as const) : step.using;
  const withCheck = step.kind === 'tenant-policy' ? ({ kind: 'tenant' } as const) : step.withCheck;
  const command = step.kind === 'tenant-policy' ? 'all' : step.command.toLowerCase();
  const lines = [
    `pgPolicy(${js(step.name)}, {`,
    `  as: ${js(step.permissive ? 'permissive' : 'restrictive')},`,
    `  for: ${js(command)},`,
    `  to: ${roles.length === 1 ? js(roles[0]!) : `[${roles.map(js).join(', ')}]`},`,
  ];
  if (using) lines.push(`  using: sql\`${templateText(expression(using, step.predicate))}\`,`);
  if (withCheck) lines.push(`  withCheck: sql\`${templateText(expression(withCheck, step.predicate))}\`,`);
  lines.push('}),');
  return lines.join('\n');
}

function expression(expr: PolicyExpression, predicate: TenantPredicate): string {
  return expr.kind === 'tenant' ? tenantPredicateSql(predicate) : expr.sql;
}

/** A JS string literal. */
function js(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** Text inside a template literal: escape what would end it or interpolate. */
function templateText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

/** organization_id → organizationId (the usual Drizzle property name; adjust if yours differs). */
export function camelCase(name: string): string {
  const camel = name.replace(/[_\s-]+([\p{L}\p{N}])/gu, (_m, c: string) => c.toUpperCase());
  return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(camel) ? camel : `[${js(name)}]`;
}
