/**
 * `tenantguard scaffold migration`: audit → settings (flags, config, prompts on
 * a terminal) → plan → review → write in the project's layout.
 */
import type { Catalog } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';
import type { Config } from '../../config/types.js';
import { TenantguardError, UsageError } from '../../errors.js';
import type { RuleContext } from '../../rules/types.js';
import type { LayoutName } from '../../scaffold/migration/layouts/types.js';
import { displayName } from '../../sql/quote.js';
import type { CommandContext, Io } from '../io.js';
import type { ScaffoldSourceFlags } from './scaffold.js';
import { sourceOptions } from '../source-flags.js';

export interface ScaffoldMigrationFlags extends ScaffoldSourceFlags {
  out?: string;
  layout?: LayoutName;
  name?: string;
  table?: string[];
  drizzleSchema?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
}

interface Settings {
  tenantColumn: string;
  contextSetting: string;
  appRole: string | null;
}

interface Audit {
  catalog: Catalog;
  config: Config;
  context: RuleContext;
  findings: Finding[];
}

export async function runScaffoldMigration(flags: ScaffoldMigrationFlags, { io }: CommandContext): Promise<void> {
  // Prompts need a person at a terminal; --yes or a pipe means "use what flags and config say".
  const interactive = io.isTTY && !flags.yes;
  const { auditDetailed } = await import('../../audit.js');
  const run = await auditDetailed({
    ...sourceOptions(flags, io),
    onSource: (description) => io.stderr.write(`Reading ${description}\n`),
  });
  let audit: Audit = { catalog: run.catalog, config: run.config, context: run.context, findings: run.ruleFindings };

  const { appRoleCandidates } = await import('../../scaffold/migration/app-role.js');
  const candidates = appRoleCandidates(audit.catalog, audit.context.tenancy);
  let settings: Settings = { tenantColumn: audit.config.tenantColumn, contextSetting: audit.config.contextSetting, appRole: audit.config.appRole };
  if (interactive) {
    const { promptSettings } = await import('./scaffold-prompts.js');
    settings = await promptSettings(settings, candidates);
  } else if (settings.appRole === null && flags.yes && candidates.length === 1) {
    settings = { ...settings, appRole: candidates[0]! };
    io.stderr.write(`Using app role ${candidates[0]} (the only login role that reaches the tenant tables)\n`);
  }
  if (settings.appRole === null) {
    const found = candidates.length > 0 ? ` (roles that reach the tenant tables: ${candidates.join(', ')})` : '';
    throw new UsageError(
      `missing the app role the policies apply to: --app-role ROLE or "appRole" in tenantguard.config.json${found}`,
      'without a terminal tenantguard never prompts; pass the settings as flags or in the config file',
    );
  }
  const appRole = settings.appRole;
  audit = await reaudit(audit, { ...settings, appRole });

  let tables = flags.table ?? null;
  if (interactive && tables === null) {
    const { promptTables } = await import('./scaffold-prompts.js');
    tables = await promptTables(audit.context.tenancy, audit.findings);
  }

  const [{ loadParser }, { planMigration }, { loadMigrationTemplates, renderMigration }, { detectLayout }] = await Promise.all([
    import('../../sql/parser.js'),
    import('../../scaffold/migration/plan.js'),
    import('../../scaffold/migration/render.js'),
    import('../../scaffold/migration/layouts/detect.js'),
  ]);
  const [parser, templates] = await Promise.all([loadParser(), loadMigrationTemplates()]);
  const plan = planMigration({
    catalog: audit.catalog,
    tenancy: audit.context.tenancy,
    findings: audit.findings,
    policies: audit.context.policies,
    parser,
    options: { appRole, tenantColumn: settings.tenantColumn, contextSetting: settings.contextSetting, tables },
  });
  const rendered = renderMigration(plan, templates);
  const layout = flags.layout
    ? { layout: flags.layout, reason: '--layout' }
    : await detectLayout(io.cwd, flags.out ?? null);
  if (layout.layout === 'drizzle' && flags.out) {
    throw new UsageError('--out does not apply to the drizzle layout', "drizzle-kit writes to drizzle.config's out; use --layout plain --out DIR to choose the folder");
  }

  const summary =
    `${plan.tables.length} ${plan.tables.length === 1 ? 'table' : 'tables'} (${plan.tables.map((t) => displayName(t.schema, t.name)).join(', ')}), ` +
    `${rendered.statements.length} statements fixing ${plan.findings.length} ${plan.findings.length === 1 ? 'finding' : 'findings'}, ` +
    `layout ${layout.layout} (${layout.reason})`;
  if (interactive && !flags.dryRun) {
    const { confirmWrite } = await import('./scaffold-prompts.js');
    if (!(await confirmWrite(summary))) throw new TenantguardError('nothing written', 'run the command again when ready');
  } else {
    io.stderr.write(`Scaffolding ${summary}\n`);
  }

  const { writeMigration } = await import('../../scaffold/migration/write.js');
  const result = await writeMigration(layout.layout, {
    cwd: io.cwd,
    out: flags.out ?? null,
    name: flags.name ?? 'tenant_isolation',
    now: new Date(),
    plan,
    rendered,
    templates,
    dryRun: Boolean(flags.dryRun),
    force: Boolean(flags.force),
    env: io.env,
    stdout: (text) => io.stdout.write(text),
    stderr: (text) => io.stderr.write(text),
  });
  await printResult(io, result.written, result.nextCommand, Boolean(flags.dryRun));
  if (flags.drizzleSchema) {
    const { renderDrizzleSchema } = await import('../../scaffold/migration/drizzle-schema.js');
    io.stdout.write(`\n${renderDrizzleSchema(plan, audit.catalog)}`);
  }
}

/** Findings as the chosen settings see them: reachability depends on the app role (no new database round trip). */
async function reaudit(audit: Audit, settings: Settings & { appRole: string }): Promise<Audit> {
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

async function printResult(io: Io, written: string[], nextCommand: string, dryRun: boolean): Promise<void> {
  const { displayPath } = await import('../../scaffold/write-files.js');
  if (dryRun) {
    io.stderr.write('Dry run: nothing written.\n');
    return;
  }
  for (const path of written) io.stdout.write(`wrote ${displayPath(path, io.cwd)}\n`);
  io.stdout.write(`next: review it, apply it (${nextCommand}), then run tenantguard audit\n`);
}
