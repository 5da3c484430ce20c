/**
 * What `tenantguard audit` adds for CI and pre-commit use: the GitHub Actions
 * default format and step summary, baselines, the file that SARIF and
 * annotations anchor database findings to, and the report of migration
 * statements the embedded engine skipped.
 */
import { access, appendFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditRun } from '../audit.js';
import type { AuditResult } from '../check/types.js';
import { TenantguardError } from '../errors.js';
import type { Config } from '../config/types.js';
import { installedDocsBaseUrl } from '../report/docs-url.js';
import type { Format } from '../report/index.js';
import type { Io } from './io.js';

export interface CiFlags {
  baseline?: string;
  updateBaseline?: boolean;
  sarifAnchor?: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** In GitHub Actions (GITHUB_ACTIONS=true) findings become annotations unless --format says otherwise. */
export function defaultFormat(env: Io['env']): Format {
  return env.GITHUB_ACTIONS === 'true' ? 'github' : 'pretty';
}

const exists = (path: string) => access(path).then(() => true, () => false);

function shown(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return (rel === '' || rel.startsWith('..') ? path : rel).split(sep).join('/');
}

/**
 * --update-baseline writes every current finding to the baseline file
 * (--baseline FILE, default tenantguard.baseline.json); --baseline then hides
 * the findings it lists, so only new ones are reported and fail the run.
 */
export async function applyBaselineFlags(result: AuditResult, flags: CiFlags, io: Io): Promise<AuditResult> {
  if (!flags.baseline && !flags.updateBaseline) return result;
  const baselineModule = await import('../check/baseline.js');
  const path = resolve(io.cwd, flags.baseline ?? baselineModule.DEFAULT_BASELINE_FILE);
  const display = shown(io.cwd, path);
  if (flags.updateBaseline) {
    await baselineModule.writeBaseline(path, baselineModule.createBaseline(result.findings)).catch((error: NodeJS.ErrnoException) => {
      throw new TenantguardError(`cannot write the baseline to ${display} (${error.code ?? 'error'})`, 'check that the directory is writable');
    });
    const { error, warning, info } = result.summary;
    const count = result.findings.length;
    io.stderr.write(
      `Accepted ${count} finding${count === 1 ? '' : 's'} (${error} error${error === 1 ? '' : 's'}, ${warning} warning${warning === 1 ? '' : 's'}, ${info} info) ` +
        `into the baseline ${display}; commit it, and runs with --baseline ${display} report only new findings.\n`,
    );
  }
  const comparison = baselineModule.applyBaseline(result, await baselineModule.readBaseline(path, display));
  if (!flags.quiet && !flags.updateBaseline) {
    if (comparison.suppressed > 0) io.stderr.write(`${comparison.suppressed} finding(s) hidden by the baseline ${display}.\n`);
    if (comparison.stale.length > 0) {
      io.stderr.write(
        `${comparison.stale.length} baseline entr${comparison.stale.length === 1 ? 'y no longer occurs' : 'ies no longer occur'} (fixed?); ` +
          `run with --update-baseline to drop ${comparison.stale.length === 1 ? 'it' : 'them'}.\n`,
      );
    }
  }
  return comparison.result;
}

/**
 * The repository file findings without a migration location are anchored to:
 * --sarif-anchor, else the first migration file (offline audits), else the
 * config file, else the first file of the project's migrations folder, else package.json.
 */
export async function reportAnchor(run: AuditRun, flags: CiFlags, cwd: string): Promise<string | null> {
  if (flags.sarifAnchor) {
    const path = resolve(cwd, flags.sarifAnchor);
    if (!(await exists(path))) throw new TenantguardError(`--sarif-anchor ${flags.sarifAnchor} does not exist`, 'name a file in the repository, e.g. tenantguard.config.json');
    return shown(cwd, path);
  }
  const firstMigration = run.migrations?.files[0];
  if (firstMigration) return shown(cwd, firstMigration.path);
  if (run.configPath) return shown(cwd, run.configPath);
  const [{ findMigrationsFolder }, { MIGRATION_LAYOUTS }] = await Promise.all([
    import('../db/migrations/find-folder.js'),
    import('../db/migrations/layouts.js'),
  ]);
  const { found } = await findMigrationsFolder(cwd);
  if (found) {
    for (const layout of MIGRATION_LAYOUTS) {
      const files = await layout.listFiles(found.folder, (p) => p).catch(() => null);
      if (files?.[0]) return shown(cwd, files[0]);
      if (files) break;
    }
  }
  const packageJson = resolve(cwd, 'package.json');
  return (await exists(packageJson)) ? 'package.json' : null;
}

/**
 * Where rule documentation links in a report point: the config's `docsBaseUrl`
 * (or TENANTGUARD_DOCS_BASE_URL), else the docs folder of this installation,
 * which resolves offline on the machine that ran the audit: a `file:` URL, or
 * for the terminal report a path relative to the working directory when the
 * docs are inside it (`node_modules/tenantguard/docs/rules/…`).
 */
export function reportDocsBaseUrl(config: Config, format: Format, cwd: string): string {
  if (config.docsBaseUrl) return config.docsBaseUrl;
  const installed = installedDocsBaseUrl();
  if (format !== 'pretty') return installed;
  const path = relative(cwd, fileURLToPath(installed));
  return path === '' || path.startsWith('..') || isAbsolute(path) ? installed : `${path.split(sep).join('/')}/`;
}

/** GitHub shows $GITHUB_STEP_SUMMARY (Markdown) on the run's summary page. */
export async function writeStepSummary(io: Io, result: AuditResult, docsBaseUrl?: string): Promise<void> {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const { renderMarkdown } = await import('../report/markdown.js');
  await appendFile(file, `${renderMarkdown(result, { docsBaseUrl })}\n`);
}

/** Migration statements the embedded engine could not run (extensions it lacks): never silent. */
export function reportSkippedStatements(io: Io, run: AuditRun): void {
  const skipped = run.migrations?.skipped ?? [];
  if (skipped.length === 0) return;
  io.stderr.write(`warning: ${skipped.length} migration statement${skipped.length === 1 ? ' was' : 's were'} skipped; objects they create are not audited:\n`);
  for (const s of skipped) io.stderr.write(`  ${s.file}:${s.line}: ${s.reason}\n`);
}

/** --quiet: only errors are reported (the exit code still follows --fail-on over every finding). */
export function onlyErrors(result: AuditResult): AuditResult {
  return { ...result, findings: result.findings.filter((f) => f.severity === 'error') };
}
