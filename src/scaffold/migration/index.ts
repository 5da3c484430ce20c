/**
 * `scaffold migration` as one use case, the way audit.ts is the audit's:
 * audited schema → settings (flags, config, or a person's answers) → plan →
 * review → write in the project's layout. Questions and output go through
 * the hooks, so the command only parses flags and prints.
 */
import type { Catalog } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';
import type { Config } from '../../config/types.js';
import { TenantguardError, UsageError } from '../../errors.js';
import type { RuleContext } from '../../rules/types.js';
import { displayName } from '../../sql/quote.js';
import type { Tenancy } from '../../tenancy/types.js';
import { appRoleCandidates } from './app-role.js';
import type { LayoutName } from './layouts/types.js';
import type { Connection } from '../../db/transaction.js';
import type { AppRoleGrant, HeldKind, MigrationPlan, ReviewKind } from './types.js';
import { compareNames } from './tenant-column.js';
import type { Verification } from './verify.js';

/** What the fix is written for: the chosen tenant column, the setting the app keeps the tenant in, and the role policies apply TO. */
export interface MigrationSettings {
  tenantColumn: string;
  contextSetting: string;
  appRole: string | null;
}

/** The schema as an audit read it: what the plan is made from. */
export interface AuditedSchema {
  catalog: Catalog;
  config: Config;
  context: RuleContext;
  /** Every finding as the rules reported it (consequences not folded into root causes). */
  findings: Finding[];
}

export interface MigrationRequest {
  cwd: string;
  env: Record<string, string | undefined>;
  /** `--out`; default: per layout. */
  out: string | null;
  /** `--layout`; default: detected. */
  layout: LayoutName | null;
  name: string;
  /** `--table` entries; null: every flagged tenant table (or the person's choice). */
  tables: string[] | null;
  /** `--include`: behaviour-changing kinds written as statements rather than held for review. */
  include: readonly ReviewKind[];
  /** `--yes`: take the only candidate app role without asking. */
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  /**
   * The audited source, still open: the migration is applied to it in a
   * transaction that is rolled back and audited again before anything is
   * written (verify.ts). null: not verified (the header then says so).
   */
  verifyOn: Connection | null;
  /** Also render the Drizzle schema code (`--drizzle-schema`). */
  drizzleSchema: boolean;
  /**
   * `--create-app-role`: when no migration in the target folder creates the
   * app role, open the file with a guard that creates it NOLOGIN if missing.
   */
  createAppRole: boolean;
  now: Date;
}

/** A person's answers, when one is at a terminal; absent hooks mean "use what flags and config say". */
export interface MigrationQuestions {
  settings?(settings: MigrationSettings, candidates: readonly string[]): Promise<MigrationSettings>;
  tables?(tenancy: Tenancy, findings: readonly Finding[]): Promise<string[]>;
  /**
   * Asked once per behaviour-changing kind the plan holds for review, when
   * no --include decided: the kinds to write as statements (default none).
   */
  include?(held: readonly HeldKind[]): Promise<ReviewKind[]>;
  /** Asked before writing (not on a dry run); false writes nothing. */
  confirmWrite?(summary: string): Promise<boolean>;
}

export interface MigrationOutput {
  /** Progress lines (stderr). */
  note(line: string): void;
  /** A dry run's files and the layout tool's output. */
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface ScaffoldedMigration {
  written: string[];
  /** The command that applies the migration in this layout. */
  nextCommand: string;
  /** `pgPolicy(...)` / `.enableRLS()` code, when asked for. */
  drizzleSchema: string | null;
  /** The app role the policies were written for. */
  appRole: string;
  /** What applying the migration to a copy showed; null when it was not verified. */
  verification: Verification | null;
}

export async function scaffoldMigration(
  audited: AuditedSchema,
  request: MigrationRequest,
  ask: MigrationQuestions,
  output: MigrationOutput,
): Promise<ScaffoldedMigration> {
  // Where it goes is settled before any question: a drizzle project without drizzle-kit stops here, not after the answers.
  const { detectLayout } = await import('./layouts/detect.js');
  const layout = request.layout ? { layout: request.layout, reason: '--layout' } : await detectLayout(request.cwd, request.out);
  if (layout.layout === 'drizzle' && request.out) {
    throw new UsageError('--out does not apply to the drizzle layout', "drizzle-kit writes to drizzle.config's out; use --layout plain --out DIR to choose the folder");
  }
  if (layout.layout === 'drizzle' && !request.dryRun) (await import('./layouts/drizzle.js')).assertDrizzleKit(request.cwd);

  const candidates = appRoleCandidates(audited.catalog, audited.context.tenancy);
  let settings: MigrationSettings = { tenantColumn: audited.config.tenantColumn, contextSetting: audited.config.contextSetting, appRole: audited.config.appRole };
  if (ask.settings) {
    settings = await ask.settings(settings, candidates);
  } else if (settings.appRole === null && request.yes && candidates.length === 1) {
    settings = { ...settings, appRole: candidates[0]! };
    output.note(`Using app role ${candidates[0]} (the only login role that reaches the tenant tables)`);
  }
  if (settings.appRole === null) {
    const found = candidates.length > 0 ? ` (roles that reach the tenant tables: ${candidates.join(', ')})` : '';
    throw new UsageError(
      `missing the app role the policies apply to: --app-role ROLE or "appRole" in tenantguard.config.json${found}`,
      'without a terminal tenantguard never prompts; pass the settings as flags or in the config file',
    );
  }
  const appRole = settings.appRole;
  const audit = await reaudit(audited, { ...settings, appRole });

  let tables = request.tables;
  if (ask.tables && tables === null) tables = await ask.tables(audit.context.tenancy, audit.findings);

  const [{ loadParser }, { planMigration }, { loadMigrationTemplates, renderMigration }] = await Promise.all([
    import('../../sql/parser.js'),
    import('./plan.js'),
    import('./render.js'),
  ]);
  const [parser, templates] = await Promise.all([loadParser(), loadMigrationTemplates()]);
  const planWith = (include: readonly ReviewKind[]) =>
    planMigration({
      catalog: audit.catalog,
      tenancy: audit.context.tenancy,
      findings: audit.findings,
      policies: audit.context.policies,
      parser,
      options: { appRole, tenantColumn: settings.tenantColumn, contextSetting: settings.contextSetting, tables, include },
    });
  let plan = planWith(request.include);
  if (ask.include && plan.review.length > 0) {
    const { heldKinds } = await import('./review.js');
    const chosen = await ask.include(heldKinds(plan.review));
    if (chosen.length > 0) plan = planWith([...request.include, ...chosen]);
  }
  if (request.createAppRole) plan = await withAppRoleGuard(plan, layout.layout, request, output, audit.catalog);
  let rendered = renderMigration(plan, templates);
  let verification: Verification | null = null;
  if (request.verifyOn) {
    output.note('Verifying: applying the migration to a copy in a transaction that is rolled back, then auditing it again');
    const { verifyMigration, MigrationFailsOnCopy } = await import('./verify.js');
    try {
      verification = await verifyMigration({ connection: request.verifyOn, statements: rendered.statements, plan, before: audit });
    } catch (error) {
      if (!(error instanceof MigrationFailsOnCopy)) throw error;
      throw new TenantguardError(
        `the planned migration fails when applied to a copy of the database, so nothing was written: ${error.message}`,
        'scaffold fewer tables with --table, or report it with the statement that failed',
      );
    }
    plan = verifiedPlan(plan, verification);
    rendered = renderMigration(plan, templates);
  }

  const summary =
    `${plan.tables.length} ${plan.tables.length === 1 ? 'table' : 'tables'} (${plan.tables.map((t) => displayName(t.schema, t.name)).join(', ')}), ` +
    `${rendered.statements.length} statements fixing ${plan.findings.length} ${plan.findings.length === 1 ? 'finding' : 'findings'}, ` +
    (plan.review.length > 0 ? `${plan.review.length} behaviour-changing ${plan.review.length === 1 ? 'step' : 'steps'} left for review, ` : '') +
    `layout ${layout.layout} (${layout.reason})`;
  if (ask.confirmWrite && !request.dryRun) {
    if (!(await ask.confirmWrite(summary))) throw new TenantguardError('nothing written', 'run the command again when ready');
  } else {
    output.note(`Scaffolding ${summary}`);
  }

  const { writeMigration } = await import('./write.js');
  const result = await writeMigration(layout.layout, {
    cwd: request.cwd,
    out: request.out,
    name: request.name,
    now: request.now,
    plan,
    rendered,
    templates,
    dryRun: request.dryRun,
    force: request.force,
    env: request.env,
    stdout: output.stdout,
    stderr: output.stderr,
  });
  const drizzleSchema = request.drizzleSchema ? (await import('./drizzle-schema.js')).renderDrizzleSchema(plan, audit.catalog) : null;
  return { written: result.written, nextCommand: result.nextCommand, drizzleSchema, verification, appRole };
}

/**
 * --create-app-role: the guard goes in only when the folder the migration is
 * written to has no CREATE ROLE for the app role (otherwise the role is the
 * migrations' own and the guard would only hide a second definition).
 */
async function withAppRoleGuard(plan: MigrationPlan, layout: LayoutName, request: MigrationRequest, output: MigrationOutput, catalog: Catalog): Promise<MigrationPlan> {
  const role = plan.appRole;
  if (role.toLowerCase() === 'public' || role.startsWith('pg_')) {
    throw new UsageError(`--create-app-role cannot create ${role}: it is ${role.toLowerCase() === 'public' ? 'the PUBLIC pseudo-role' : 'a name reserved for predefined roles'}`, 'pass the role the app connects as with --app-role');
  }
  const { folderCreatesRole, migrationsFolderFor } = await import('./role-origin.js');
  const folder = await migrationsFolderFor(layout, request.cwd, request.out);
  if (await folderCreatesRole(folder, role)) {
    output.note(`--create-app-role: a migration in ${folder} already creates ${role}; no guard written`);
    return plan;
  }
  // What the role is granted by name travels with the guard, so a fresh database and the offline audit see it reach what the live audit saw.
  const grants = appRoleGrantsIn(catalog, role);
  if (grants.length > 0) {
    output.note(
      `--create-app-role: the guard also grants ${role} what it holds on ${grants.length} ${grants.length === 1 ? 'object' : 'objects'} here ` +
        '(idempotent GRANTs: where the role exists with them, nothing changes)',
    );
  }
  const memberOf = catalog.roles.find((r) => r.name === role)?.memberOf ?? [];
  if (memberOf.length > 0) {
    output.note(
      `note: ${role} is a member of ${memberOf.map((m) => m.role).join(', ')} here; the guard does not create those roles or the memberships: ` +
        'unless a migration does, pass the SQL that does with --setup FILE so `tenantguard audit --offline` judges them as the live audit does',
    );
  }
  return {
    ...plan,
    createAppRole: true,
    appRoleGrants: grants,
    notes: [
      ...plan.notes,
      `Creates ${displayName(null, role)} NOLOGIN first when it is missing (--create-app-role): no migration creates it. Where it exists, nothing about it changes; it still needs its LOGIN and password from outside the migrations.` +
        (grants.length > 0 ? ` Then grants it what it holds in the audited database (${grants.length} ${grants.length === 1 ? 'object' : 'objects'}).` : ''),
    ],
  };
}

/** GRANT's privileges in the order Postgres documents them. */
const PRIVILEGE_ORDER = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** The app role's own grants (to it by name; PUBLIC's come with every database) on the audited tables, views and functions. */
function appRoleGrantsIn(catalog: Catalog, role: string): AppRoleGrant[] {
  const relations = [...catalog.tables, ...catalog.views]
    .flatMap((r) => {
      const held = new Set<string>(r.grants.filter((g) => g.grantee === role).flatMap((g) => g.privileges));
      const privileges = PRIVILEGE_ORDER.filter((p) => held.has(p));
      return privileges.length > 0 && r.owner !== role ? [{ kind: 'relation' as const, relation: { schema: r.schema, name: r.name }, privileges }] : [];
    })
    .sort((a, b) => compareNames(a.relation, b.relation));
  const functions = catalog.functions
    .filter((f) => f.owner !== role && f.executeGrantees.includes(role))
    .map((f) => ({ kind: 'function' as const, function: { schema: f.schema, name: f.name, identityArguments: f.identityArguments } }))
    .sort((a, b) => compareNames(a.function, b.function) || a.function.identityArguments.localeCompare(b.function.identityArguments));
  return [...relations, ...functions];
}

/** The plan as the copy showed it: only findings that disappeared are claimed; the rest is said in the header. */
function verifiedPlan(plan: MigrationPlan, v: Verification): MigrationPlan {
  const notes = [...plan.notes];
  const line = (f: Finding) => `${f.rule} ${f.object.table !== undefined && f.object.schema !== null ? `${displayName(f.object.schema, f.object.table)}.${f.object.name}` : displayName(f.object.schema, f.object.name)} ${f.fingerprint}`;
  notes.push('Verified: applied to a copy of the audited schema and audited again; the findings listed above are gone there.');
  if (v.notFixed.length > 0) notes.push(`NOT fixed by this migration (the audit of the copy still reports them): ${v.notFixed.map(line).join('; ')}.`);
  if (v.introduced.length > 0) notes.push(`New after this migration (the audit of the copy reports them): ${v.introduced.map(line).join('; ')}.`);
  for (const r of v.regressions) notes.push(`The tenant loses access: ${r}.`);
  for (const i of v.inconclusive) notes.push(`Own-row access not compared: ${i}.`);
  return { ...plan, findings: v.fixed, notes };
}

/** Findings as the chosen settings see them: reachability depends on the app role (no new database round trip). */
async function reaudit(audit: AuditedSchema, settings: MigrationSettings & { appRole: string }): Promise<AuditedSchema> {
  const { config } = audit;
  if (config.appRole === settings.appRole && config.tenantColumn === settings.tenantColumn && config.contextSetting === settings.contextSetting) {
    return audit;
  }
  const [{ buildRuleContext }, { runRules }, { rules }] = await Promise.all([
    import('../../check/context.js'),
    import('../../check/run-rules.js'),
    import('../../rules/index.js'),
  ]);
  const next: Config = { ...config, ...settings };
  const context = await buildRuleContext(audit.catalog, next);
  return { catalog: audit.catalog, config: next, context, findings: runRules(context, rules, next) };
}
