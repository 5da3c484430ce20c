/**
 * Pure planning: from the audit's catalog, tenancy and findings to the list of
 * steps that give each selected tenant table the safe shape
 * (docs/postgres-rls.md#scaffolded-shape) and fix what the
 * findings name. Rendering to SQL happens in render.ts.
 */
import { tableKey, type Catalog, type Table } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';
import { TenantguardError } from '../../errors.js';
import { displayName } from '../../sql/quote.js';
import { canReachTable } from '../../tenancy/roles.js';
import type { Tenancy, TenantTable } from '../../tenancy/types.js';
import { boundedName } from './names.js';
import { isOwnTenantPolicy, planReplacedPolicies, policyApplies, tenantPolicyName } from './policies.js';
import { failsWhenRerun } from './rerunnable.js';
import { selectTables, selectViews, findingTableKey } from './select.js';
import type { SqlParser } from '../../sql/parser.js';
import { compareNames, planTenantColumns } from './tenant-column.js';
import { isTenantContextComparison } from './tenant-predicate.js';
import { borrowablePredicates, predicateFor as predicateFor_ } from './borrowed-predicate.js';
import { holdForReview, isDeliberateCrossTenant, leftUnfixedBy, restrictiveReason } from './review.js';
import type { PolicySemantics } from '../../tenancy/effective.js';
import {
  RULES_FIXED_BY_SCAFFOLD,
  type MigrationOptions,
  type MigrationPlan,
  type MigrationStep,
  type TenantPredicate,
} from './types.js';

export interface PlanInput {
  catalog: Catalog;
  tenancy: Tenancy;
  findings: readonly Finding[];
  options: MigrationOptions;
  /** The audit's policy analysis (RuleContext.policies). */
  policies: PolicySemantics;
  parser: SqlParser;
}

export function planMigration(input: PlanInput): MigrationPlan {
  const { catalog, tenancy, findings, options, parser, policies } = input;
  const appRole = catalog.roles.find((r) => r.name === options.appRole);
  if (!appRole) {
    throw new TenantguardError(
      `role ${JSON.stringify(options.appRole)} does not exist in the database`,
      'pass the role your app connects as with --app-role (or "appRole" in tenantguard.config.json)',
    );
  }
  const notes: string[] = [];
  const { selected, skipped } = selectTables(tenancy, findings, options.tables);
  for (const t of skipped) notes.push(`${displayName(t.schema, t.name)} is a foreign table: Postgres cannot apply RLS to it (docs/postgres-rls.md#materialized-and-foreign); restrict its grants instead.`);
  if (selected.length === 0) {
    throw new TenantguardError(
      options.tables ? 'none of the selected tables is a tenant table that RLS can protect' : 'the audit flagged no tenant table: nothing to scaffold',
      options.tables ? 'run `tenantguard audit` to see the tenant tables' : 'pass --table NAME to scaffold the safe shape for a table anyway',
    );
  }
  const selectedKeys = new Set(selected.map((t) => tableKey(t.table)));

  // An app whose policies never read the context setting keeps its tenant
  // elsewhere (auth.uid() and a membership table): policies on the setting
  // would deny it everything, so its own tenant predicate is reused instead.
  const borrowing = policies.usesContextSetting() ? null : borrowablePredicates(tenancy, policies, options.appRole, parser);
  const predicateFor = (table: Table, columnType: string): TenantPredicate | null => {
    const base = { column: options.tenantColumn, columnType, contextSetting: options.contextSetting };
    if (borrowing === null) return { ...base, borrowed: null };
    const borrowed = predicateFor_(table, borrowing);
    return borrowed ? { ...base, borrowed: { sql: borrowed.sql, from: borrowed.from } } : null;
  };
  const isTenant = (expr: string | null) =>
    expr !== null &&
    (isTenantContextComparison(parser, expr, options.tenantColumn, options.contextSetting) || (borrowing ?? []).some((b) => b.sql === expr));

  const missingColumn = selected.filter((t) => !t.table.columns.some((c) => c.name === options.tenantColumn));
  // Without the setting there is nothing to default a new column to: the app's inserts would fail.
  const columnSteps = borrowing === null ? planTenantColumns(missingColumn, tenancy, predicateFor) : [];
  const addedType = new Map(columnSteps.map((s) => [tableKey(s.table), s.predicate.columnType]));
  const steps: MigrationStep[] = [...columnSteps];
  const fixed = new Set<Finding>();

  // truncate-granted names the grantee; each selected table revokes TRUNCATE from the flagged grantees
  const truncateGrantees = new Set(findings.filter((f) => f.rule === 'truncate-granted').map((f) => f.object.name));
  const restrictiveHeld = new Map<MigrationStep, string>();
  const context: TableContext = { tenancy, options, parser, isTenant, notes, truncateGrantees, policies, restrictiveHeld };
  for (const { table } of [...selected].sort((a, b) => compareNames(a.table, b.table))) {
    const key = tableKey(table);
    const column = table.columns.find((c) => c.name === options.tenantColumn);
    const columnType = column?.type ?? addedType.get(key);
    const predicate = columnType === undefined ? null : predicateFor(table, columnType);
    if (predicate === null) {
      notes.push(unprotectedNote(table, column === undefined, options.tenantColumn, borrowing !== null));
      continue;
    }
    const onTable = findings.filter((f) => findingTableKey(f) === key);
    steps.push(...planTable(table, predicate, onTable, context));
    for (const f of onTable) if (isResolved(f, table)) fixed.add(f);
  }

  // a grantee's TRUNCATE is revoked once every tenant table it holds it on is in the migration
  const holdsTruncate = (grantee: string, table: Table) => table.grants.some((g) => g.grantee === grantee && g.privileges.includes('TRUNCATE'));
  for (const f of findings) {
    if (f.rule !== 'truncate-granted') continue;
    if (tenancy.tenantTables.every((t) => selectedKeys.has(tableKey(t.table)) || !holdsTruncate(f.object.name, t.table))) fixed.add(f);
  }

  const views = selectViews(catalog, tenancy, findings, selectedKeys, options.tables !== null, options.appRole);
  notes.push(...views.notes);
  for (const view of views.views) {
    if (catalog.serverVersion < 150000) {
      notes.push(`${displayName(view.schema, view.name)}: security_invoker needs PostgreSQL 15 or later; recreate the view or revoke its grants.`);
      continue;
    }
    steps.push({ kind: 'security-invoker', view: { schema: view.schema, name: view.name } });
    for (const f of findings) if (f.rule === 'view-bypasses-rls' && f.object.schema === view.schema && f.object.name === view.name) fixed.add(f);
  }

  for (const f of findings) {
    if (RULES_FIXED_BY_SCAFFOLD.includes(f.rule) || !f.fix?.sql) continue;
    const key = findingTableKey(f);
    if (options.tables !== null && (key === null || !selectedKeys.has(key))) continue;
    if (key !== null && !selectedKeys.has(key) && tenancy.tenantTables.some((t) => tableKey(t.table) === key)) continue;
    // A policy this migration recreates: the finding's ALTER POLICY would put its old expression back over the new one.
    const replaced = f.object.kind === 'policy' ? steps.find((s) => s.kind === 'replace-policy' && s.name === f.object.name && tableKey(s.table) === key) : undefined;
    if (replaced?.kind === 'replace-policy') {
      if ([replaced.using, replaced.withCheck].every((e) => e === null || e.kind === 'tenant')) fixed.add(f);
      continue;
    }
    if (f.object.kind === 'role' && !withinReach(tenancy, f.object.name, options.appRole)) {
      notes.push(`Nothing for role ${f.object.name}: it reaches no tenant table of this database, and roles are cluster-wide (another database's role is not this migration's to change).`);
      continue;
    }
    steps.push({ kind: 'rule-fix', finding: f, title: f.fix.title, statements: splitFix(parser, f) });
    fixed.add(f);
  }

  notes.push(...ownerNotes(selected, catalog, options.appRole));
  const held = holdForReview(dedupeRuleFixes(steps), restrictiveHeld, options.include ?? []);
  for (const f of [...fixed]) if (held.review.some((r) => leftUnfixedBy(r.step, f))) fixed.delete(f);
  if (held.review.length > 0) {
    const kinds = [...new Set(held.review.map((r) => r.kind))].sort();
    notes.push(
      `${held.review.length} behaviour-changing ${plural(held.review.length, 'step is', 'steps are')} not applied: see REVIEW REQUIRED at the end ` +
        `of this file (--include ${kinds.join(' --include ')} writes ${plural(held.review.length, 'it', 'them')} as statements).`,
    );
  }
  if (held.included.length > 0) notes.push(`Written as statements because --include selected them: ${held.included.join(', ')} (behaviour-changing; review them).`);
  return {
    tables: selected.map((t) => ({ schema: t.table.schema, name: t.table.name })).sort(compareNames),
    appRole: options.appRole,
    tenantColumn: options.tenantColumn,
    contextSetting: options.contextSetting,
    findings: findings.filter((f) => fixed.has(f)),
    notes,
    steps: held.steps,
    review: held.review,
    included: held.included,
  };
}

interface TableContext {
  tenancy: Tenancy;
  options: MigrationOptions;
  parser: SqlParser;
  isTenant: (expr: string | null) => boolean;
  notes: string[];
  truncateGrantees: ReadonlySet<string>;
  policies: PolicySemantics;
  /** The restrictive tenant policies a deliberate cross-tenant policy holds back for review, with the reason. */
  restrictiveHeld: Map<MigrationStep, string>;
}

/** The safe shape for one table, plus the fixes its findings ask for. */
function planTable(table: Table, predicate: TenantPredicate, onTable: readonly Finding[], ctx: TableContext): MigrationStep[] {
  const { options, isTenant } = ctx;
  const steps: MigrationStep[] = [];
  const has = (rule: string) => onTable.some((f) => f.rule === rule);
  const name = { schema: table.schema, name: table.name };
  const column = table.columns.find((c) => c.name === options.tenantColumn);

  if (column && !column.notNull && has('tenant-column-nullable')) steps.push({ kind: 'set-not-null', table: name, column: column.name });
  if (column && !hasLeadingIndex(table, column.name)) {
    steps.push({ kind: 'create-index', table: name, column: column.name, indexName: boundedName(`${table.name}_${column.name}`, '_idx') });
  }
  const replaced = planReplacedPolicies(table, onTable, predicate, options.appRole, ctx.parser);
  steps.push(...replaced);
  steps.push({ kind: 'enable-rls', table: name });

  // Existing permissive policies that reach the app role stay as they are (the
  // restrictive policy bounds them, docs/postgres-rls.md#permissive-restrictive); adding a FOR ALL one beside them could
  // widen a deliberate per-command design.
  const afterReplacement = table.policies.map((p) => {
    const r = replaced.find((s) => s.name === p.name);
    return r ? { ...p, roles: r.roles } : p;
  });
  const permissiveForApp = afterReplacement.filter((p) => p.permissive && policyApplies(p, options.appRole, ctx.tenancy.roles));
  if (permissiveForApp.length === 0) {
    const policyName = tenantPolicyName('tenant_access', true, table.policies, options.appRole, isTenant);
    steps.push({ kind: 'tenant-policy', table: name, name: policyName, permissive: true, appRole: options.appRole, predicate });
  } else if (!permissiveForApp.some((p) => isOwnTenantPolicy(p, true, options.appRole, isTenant) || replaced.some((r) => r.name === p.name))) {
    const names = permissiveForApp.map((p) => p.name).sort().join(', ');
    ctx.notes.push(
      `${displayName(table.schema, table.name)} keeps its permissive ${plural(permissiveForApp.length, 'policy', 'policies')} ${names} ` +
        `for ${options.appRole}; the restrictive tenant policy bounds ${permissiveForApp.length === 1 ? 'it' : 'them'}.`,
    );
  }
  const ownIsolation = table.policies.find((p) => isOwnTenantPolicy(p, false, options.appRole, isTenant));
  const isolationName = ownIsolation?.name ?? tenantPolicyName('tenant_isolation', false, table.policies, options.appRole, isTenant);
  const isolation: MigrationStep = { kind: 'tenant-policy', table: name, name: isolationName, permissive: false, appRole: options.appRole, predicate };
  steps.push(isolation);
  const crossTenant = afterReplacement.filter(
    (p) => p.permissive && policyApplies(p, options.appRole, ctx.tenancy.roles) && isDeliberateCrossTenant(table, table.policies.find((o) => o.name === p.name) ?? p, ctx.policies),
  );
  if (crossTenant.length > 0) ctx.restrictiveHeld.set(isolation, restrictiveReason(table, crossTenant));

  const grantees = table.grants
    .filter((g) => g.privileges.includes('TRUNCATE') && g.grantee !== table.owner && ctx.truncateGrantees.has(g.grantee))
    .map((g) => g.grantee)
    .sort();
  if (grantees.length > 0) steps.push({ kind: 'revoke-truncate', table: name, grantees });
  return steps;
}

/**
 * A finding on a planned table that the table's statements resolve. An
 * INSERT policy without WITH CHECK denies every insert (docs/postgres-rls.md#with-check-fallback): it is kept as it
 * is rather than widened, so that info stays.
 */
function isResolved(finding: Finding, table: Table): boolean {
  if (!RULES_FIXED_BY_SCAFFOLD.includes(finding.rule) || finding.rule === 'view-bypasses-rls') return false;
  if (finding.rule !== 'with-check-missing') return true;
  return table.policies.find((p) => p.name === finding.object.name)?.command !== 'INSERT';
}

/**
 * Roles are cluster-wide (docs/postgres-rls.md#setting-defaults): the
 * migration changes only the app role and roles that reach a tenant table of
 * this database, never a role another database's app may depend on.
 */
function withinReach(tenancy: Tenancy, role: string, appRole: string): boolean {
  return role === appRole || tenancy.tenantTables.some(({ table }) => canReachTable(tenancy.roles, role, table));
}

/** Why a selected table gets no statements, for the header. */
function unprotectedNote(table: Table, missingColumn: boolean, tenantColumn: string, borrowing: boolean): string {
  const name = displayName(table.schema, table.name);
  if (missingColumn && borrowing) {
    return `${name} has no ${tenantColumn}, and your policies do not read a tenant setting a new column could default to: add ${tenantColumn} yourself (set it on insert), then re-run.`;
  }
  return `${name}: none of your policies has a tenant predicate that can be reused here (it would read ${name} itself, or names other columns): write its policies by hand.`;
}

/** An index whose first key column is the tenant column serves the policy's equality (docs/postgres-rls.md#tenant-index). */
function hasLeadingIndex(table: Table, column: string): boolean {
  return table.indexes.some((i) => !i.partial && i.columns[0] === column);
}

/** docs/postgres-rls.md#owner-bypass: FORCE puts the owner under the policies too; say who that affects. */
function ownerNotes(selected: readonly TenantTable[], catalog: Catalog, appRole: string): string[] {
  const owners = [...new Set(selected.map((t) => t.table.owner))].sort();
  return owners.flatMap((owner) => {
    const role = catalog.roles.find((r) => r.name === owner);
    if (!role || role.superuser || role.bypassRls || owner === appRole) return [];
    return [
      `FORCE puts the owner ${owner} under these policies: jobs or later migrations that touch rows as ${owner} ` +
        `must set the tenant context first or run as a role with BYPASSRLS.`,
    ];
  });
}

function splitFix(parser: SqlParser, finding: Finding): { sql: string; guard: boolean }[] {
  try {
    return parser.splitStatements(finding.fix!.sql).map((s) => ({ sql: s.sql, guard: failsWhenRerun(s.node) }));
  } catch (error) {
    throw new TenantguardError(
      `the fix SQL of ${finding.rule} for ${displayName(finding.object.schema, finding.object.name)} does not parse: ${(error as Error).message}`,
      'this is a bug in tenantguard; re-run with that rule turned off in tenantguard.config.json',
    );
  }
}

/** Two findings may offer the same statement (e.g. one per role); emit it once. */
function dedupeRuleFixes(steps: MigrationStep[]): MigrationStep[] {
  const seen = new Set<string>();
  return steps.filter((s) => {
    if (s.kind !== 'rule-fix') return true;
    const key = s.statements.map((x) => x.sql).join('\n');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

