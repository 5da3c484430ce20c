/**
 * Audit → scaffold → apply, against a real test database, for the scaffold's tests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog } from '../../src/catalog/types.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import type { Finding } from '../../src/check/types.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/types.js';
import { rules } from '../../src/rules/index.js';
import type { RuleContext } from '../../src/rules/types.js';
import { planMigration } from '../../src/scaffold/migration/plan.js';
import { loadMigrationTemplates, renderMigration, renderSqlFile } from '../../src/scaffold/migration/render.js';
import { loadParser } from '../../src/sql/parser.js';
import { REVIEW_KINDS, type MigrationPlan, type ReviewKind } from '../../src/scaffold/migration/types.js';
import type { TestDatabase } from '../support/db.js';

export const EXAMPLE_APP = path.resolve(import.meta.dirname, '../../fixtures/example-app');

/** Applies a drizzle-kit migrations folder in journal order, the way drizzle's migrator splits it. */
export async function applyDrizzleFolder(db: TestDatabase, folder: string): Promise<void> {
  const journal = JSON.parse(await readFile(path.join(folder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  for (const entry of journal.entries) {
    const text = await readFile(path.join(folder, `${entry.tag}.sql`), 'utf8');
    for (const statement of text.split('--> statement-breakpoint')) {
      if (statement.trim()) await db.exec(statement);
    }
  }
}

export interface Audited {
  catalog: Catalog;
  context: RuleContext;
  findings: Finding[];
  config: Config;
}

export async function audit(db: TestDatabase, overrides: Partial<Config> = {}): Promise<Audited> {
  const config: Config = { ...DEFAULT_CONFIG, ...overrides };
  const catalog = await introspect(db.client, { schemas: config.schemas });
  const context = await buildRuleContext(catalog, config);
  return { catalog, context, findings: runRules(context, rules, config), config };
}

/** The same catalog judged with other settings (an app role chosen after a first look): no second introspection. */
export async function rejudge(audited: Audited, overrides: Partial<Config>): Promise<Audited> {
  const config: Config = { ...audited.config, ...overrides };
  const context = await buildRuleContext(audited.catalog, config);
  return { catalog: audited.catalog, context, findings: runRules(context, rules, config), config };
}

export interface Scaffolded {
  plan: MigrationPlan;
  sql: string;
  /** The statements the file runs, without BEGIN/COMMIT (what verification applies). */
  statements: string[];
}

/**
 * Plans and renders the plain-SQL migration for what `audited` found. By
 * default every behaviour-changing kind is included (as `--include all`), so
 * round trips see every fix applied; pass `include: []` for the default CLI shape.
 */
export async function scaffold(audited: Audited, tables: string[] | null = null, include: readonly ReviewKind[] = REVIEW_KINDS): Promise<Scaffolded> {
  const [parser, templates] = await Promise.all([loadParser(), loadMigrationTemplates()]);
  const plan = planMigration({
    catalog: audited.catalog,
    tenancy: audited.context.tenancy,
    findings: audited.findings,
    policies: audited.context.policies,
    parser,
    options: {
      appRole: audited.config.appRole!,
      tenantColumn: audited.config.tenantColumn,
      contextSetting: audited.config.contextSetting,
      tables,
      include,
    },
  });
  const rendered = renderMigration(plan, templates);
  const sql = renderSqlFile(rendered, templates, { transaction: true });
  return { plan, sql, statements: rendered.statements };
}

/**
 * A catalog with what changes between two reads of the same state removed:
 * oids, statistics, and the role list (cluster-wide on a server, where other
 * tests create and drop roles meanwhile; a migration's grants and policies
 * are compared on the tables themselves).
 */
export function comparable(catalog: Catalog, isOwnRole: (role: string) => boolean): unknown {
  // Roles and their defaults are cluster-wide: other test files create and
  // alter their own roles while this one runs.
  const settingDefaults = catalog.settingDefaults.filter((d) => d.role === null || isOwnRole(d.role));
  const withoutRoles = { ...catalog, roles: [], settingDefaults };
  return JSON.parse(JSON.stringify(withoutRoles, (key, value) => (key === 'oid' || key === 'estimatedRows' ? undefined : value)));
}

/**
 * Scenario roles are namespaced per test database; snapshots use the
 * scenario's name, and a finding about the role itself has a fingerprint
 * made from the namespaced name.
 */
export function normalizeRole(text: string, role: string): string {
  const escaped = role.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text
    .replace(new RegExp(`^(--   \\S+  ${escaped}  )[0-9a-f]{16}$`, 'gm'), '$1<fingerprint of the namespaced role>')
    .replaceAll(role, 'app_user');
}
