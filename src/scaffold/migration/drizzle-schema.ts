/**
 * `--drizzle-schema`: the pgPolicy(...) / .enableRLS() code that declares in
 * the Drizzle schema what the migration creates, so `drizzle-kit push` (which
 * compares the schema with the database) does not drop the policies, and the
 * snapshot of the next `generate --custom` records them. FORCE has no Drizzle
 * equivalent; it lives only in the migration.
 */
import type { Catalog } from '../../catalog/types.js';
import { displayName } from '../../sql/quote.js';
import { tenantContext } from '../../sql/statements.js';
import { expression, tenantPredicateSql } from './render.js';
import type { MigrationPlan, MigrationStep, PolicyExpression, TenantPredicate } from './types.js';

type PolicyStep = Extract<MigrationStep, { kind: 'tenant-policy' | 'replace-policy' }>;

/** Drizzle column builders for the tenant column types that occur in practice. */
const BUILDERS: Record<string, (column: string) => string> = {
  uuid: (c) => `uuid(${js(c)})`,
  text: (c) => `text(${js(c)})`,
  bigint: (c) => `bigint(${js(c)}, { mode: 'number' })`,
  integer: (c) => `integer(${js(c)})`,
};

export function renderDrizzleSchema(plan: MigrationPlan, catalog: Catalog): string {
  const out: string[] = [
    `// Paste into your Drizzle schema (import { sql } from 'drizzle-orm' and pgPolicy, plus the column builders, from 'drizzle-orm/pg-core').`,
    `// Paste it before running \`tenantguard scaffold migration --layout drizzle\`, so drizzle-kit's snapshot matches what the migration creates.`,
    `// Each table lists every policy it has once the migration ran, so drizzle-kit push keeps them all.`,
  ];
  for (const table of plan.tables) {
    const steps = plan.steps.filter(
      (s): s is PolicyStep | Extract<MigrationStep, { kind: 'add-tenant-column' }> =>
        (s.kind === 'tenant-policy' || s.kind === 'replace-policy' || s.kind === 'add-tenant-column') &&
        s.table.schema === table.schema &&
        s.table.name === table.name,
    );
    const policySteps = steps.filter((s): s is PolicyStep => s.kind !== 'add-tenant-column');
    if (steps.length === 0) continue;
    out.push('', `// ${displayName(table.schema, table.name)}: pgTable(${js(table.name)}, { … }, (t) => [ … ]).enableRLS()`);
    for (const step of steps) {
      if (step.kind === 'add-tenant-column') {
        out.push('// in the columns:', `${camelCase(step.predicate.column)}: ${columnCode(step.predicate, step.root)},`);
      }
    }
    const kept = (catalog.tables.find((t) => t.schema === table.schema && t.name === table.name)?.policies ?? []).filter(
      (p) => !policySteps.some((s) => s.name === p.name),
    );
    out.push('// in the extra config array:');
    // Policies the migration leaves as they are, declared as the database has them.
    for (const policy of [...kept].sort((a, b) => (a.name < b.name ? -1 : 1))) out.push(pgPolicyCode(policy));
    for (const step of policySteps) out.push(policyCode(step));
  }
  return `${out.join('\n')}\n`;
}

interface PolicyDeclaration {
  name: string;
  permissive: boolean;
  command: string;
  roles: string[];
  using: string | null;
  withCheck: string | null;
}

function pgPolicyCode(policy: PolicyDeclaration): string {
  const roles = policy.roles.map((r) => (r.toLowerCase() === 'public' ? 'public' : r));
  const lines = [
    `pgPolicy(${js(policy.name)}, {`,
    `  as: ${js(policy.permissive ? 'permissive' : 'restrictive')},`,
    `  for: ${js(policy.command.toLowerCase())},`,
    `  to: ${roles.length === 1 ? js(roles[0]!) : `[${roles.map(js).join(', ')}]`},`,
  ];
  if (policy.using !== null) lines.push(`  using: sql\`${templateText(policy.using)}\`,`);
  if (policy.withCheck !== null) lines.push(`  withCheck: sql\`${templateText(policy.withCheck)}\`,`);
  lines.push('}),');
  return lines.join('\n');
}

function columnCode(p: TenantPredicate, root: { name: string; key: string } | null): string {
  const base = p.columnType in BUILDERS ? BUILDERS[p.columnType]!(p.column) : `customType(/* ${p.columnType} */)(${js(p.column)})`;
  const reference = root ? `.references(() => ${camelCase(root.name)}.${camelCase(root.key)})` : '';
  const fallback = `(${tenantContext(p.contextSetting, p.columnType)})`;
  return `${base}.notNull()${reference}.default(sql\`${templateText(fallback)}\`)`;
}

function policyCode(step: PolicyStep): string {
  const expr = (e: PolicyExpression | null) => (e === null ? null : expression(e, step.predicate));
  if (step.kind === 'tenant-policy') {
    const predicate = tenantPredicateSql(step.predicate);
    return pgPolicyCode({ ...step, command: 'all', roles: [step.appRole], using: predicate, withCheck: predicate });
  }
  return pgPolicyCode({ ...step, using: expr(step.using), withCheck: expr(step.withCheck) });
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
