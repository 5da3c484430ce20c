import { resolve } from 'node:path';
import type { Catalog } from './catalog/types.js';
import type { AuditResult, Finding } from './check/types.js';
import { configOverrides, loadConfig, type ConfigOverrides } from './config/load.js';
import type { Config } from './config/types.js';
import type { AppliedMigrations } from './db/types.js';
import { startLoadingParser } from './sql/parser.js';
import type { ProbeOptions, ProbeReport } from './probe/probe.js';
import type { Rule, RuleContext } from './rules/types.js';
import { packageVersion } from './version.js';

export interface AuditOptions extends ConfigOverrides {
  /** Working directory: where the config file, `.env` files and migrations folders are looked for. Default: process.cwd(). */
  cwd?: string;
  /** Environment (database URLs, TENANTGUARD_* settings). Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Database URL (`--db`). */
  db?: string;
  /** Migrations folder applied to the embedded engine (`--migrations`). */
  migrations?: string;
  /**
   * SQL files applied to the embedded engine before the migrations (`--setup`,
   * relative to `cwd`); replaces the config's `setup`. Offline audits only.
   */
  setup?: readonly string[];
  /** Ignore database URLs from the environment and .env files: audit the migrations folder (`--offline`). */
  offline?: boolean;
  /** Config file (`--config`); otherwise searched for from `cwd` upward. */
  configPath?: string;
  /** Rules to run; default: every registered rule. */
  rules?: readonly Rule[];
  /** Told which source was chosen (the password is masked). */
  onSource?: (description: string) => void;
  /**
   * Leave the source open and hand it back (`AuditRun.source`); the caller closes it.
   * `scaffold migration` applies its migration to it in a rolled-back transaction.
   */
  keepOpen?: boolean;
  /** Progress while migrations are applied to the embedded engine. */
  onProgress?: (message: string) => void;
  /**
   * Also run the live probe (`--probe`): its leaks become probe-cross-tenant-read/-write
   * findings. Timeouts come from the config; `onReport` receives the probe's own report.
   */
  probe?: Omit<ProbeOptions, 'statementTimeoutMs' | 'lockTimeoutMs'> & { onReport?: (report: ProbeReport) => void };
}

/** An audit with everything it was derived from, for commands that need more than the report. */
export interface AuditRun {
  result: AuditResult;
  config: Config;
  /** The config file used, or null. */
  configPath: string | null;
  /** The migrations applied, in migrations mode. */
  migrations: AppliedMigrations | null;
  catalog: Catalog;
  context: RuleContext;
  /** Every finding as the rules reported it, consequences not folded into their root causes: what scaffolds plan fixes from. */
  ruleFindings: Finding[];
  /** The open source, with `keepOpen` only (close it when done); null otherwise. */
  source: { connection: import('./db/transaction.js').Connection; close(): Promise<void> } | null;
}

/** Runs a whole audit: config → source → catalog (read only) → rules → result. Always closes the source. */
export async function auditDetailed(options: AuditOptions = {}): Promise<AuditRun> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const { rules: registry } = await import('./rules/index.js');
  const rules = options.rules ?? registry;
  const { config, path: configPath } = await loadConfig({
    cwd,
    env,
    configPath: options.configPath,
    knownRules: registry.map((rule) => rule.id),
    flags: configOverrides(options),
  });

  // Policies, function bodies and migration files are read by the Postgres parser:
  // compile it while the source opens and the catalog is read.
  startLoadingParser();
  const { openSource } = await import('./db/source.js');
  const opened = await openSource({
    db: options.db,
    migrations: options.migrations,
    offline: options.offline,
    setup: options.setup && options.setup.length > 0 ? options.setup.map((path) => resolve(cwd, path)) : config.setup,
    cwd,
    env,
    statementTimeoutMs: config.statementTimeoutMs,
    lockTimeoutMs: config.lockTimeoutMs,
    onProgress: options.onProgress,
  });
  let handedOver = false;
  try {
    options.onSource?.(opened.description);
    const [{ withReadOnlyTransaction }, { introspect }] = await Promise.all([
      import('./db/transaction.js'),
      import('./catalog/introspect.js'),
    ]);
    const catalog = await withReadOnlyTransaction(opened.connection, (client) =>
      introspect(client, { schemas: config.schemas, schemaPerTenant: config.schemaPerTenant }),
    );
    const [{ buildRuleContext }, { runRules }, { summarize }, { collapseRootCauses }] = await Promise.all([
      import('./check/context.js'),
      import('./check/run-rules.js'),
      import('./check/summary.js'),
      import('./check/root-causes.js'),
    ]);
    // Offline: which file and line created or changed each object, for rules and for file:line locations.
    const history = opened.migrations
      ? await (await import('./db/migrations/history.js')).trackMigrations(opened.migrations)
      : null;
    const context = { ...(await buildRuleContext(catalog, config)), ...(history ? { migrations: history } : {}) };
    const { assertSomethingToAudit, assertAppRoleExists } = await import('./check/inputs.js');
    assertSomethingToAudit(catalog, context, opened.source);
    assertAppRoleExists(catalog, context, opened.source);
    let ruleList = rules;
    if (options.probe) {
      const [{ probeDatabase }, { withProbeEvidence }] = await Promise.all([import('./probe/probe.js'), import('./probe/problems.js')]);
      const { onReport, ...probeOptions } = options.probe;
      const report = await probeDatabase(opened.connection.client, context, { ...probeOptions, statementTimeoutMs: config.statementTimeoutMs, lockTimeoutMs: config.lockTimeoutMs });
      onReport?.(report);
      ruleList = withProbeEvidence(rules, context.tenancy, report);
    }
    const raw = runRules(context, ruleList, config);
    const located = history ? (await import('./check/locate.js')).locateFindings(raw, history) : raw;
    const findings = collapseRootCauses(located);
    const result: AuditResult = {
      tool: 'tenantguard',
      version: packageVersion(),
      schemaVersion: 1,
      source: opened.source,
      findings,
      summary: summarize(findings, context),
    };
    handedOver = Boolean(options.keepOpen);
    const source = options.keepOpen ? { connection: opened.connection, close: () => opened.close() } : null;
    return { result, config, configPath, migrations: opened.migrations, catalog, context, ruleFindings: located, source };
  } finally {
    if (!handedOver) await opened.close();
  }
}

/** The audit as a library call: the same result the CLI reports. */
export async function runAudit(options: AuditOptions = {}): Promise<AuditResult> {
  return (await auditDetailed(options)).result;
}
