/**
 * `tenantguard audit --db URL --db URL …` (or `databases` in the config):
 * every database audited, at most --concurrency at a time, into one report
 * whose findings each name their database; one summary line per database;
 * the exit code is the worst of all (2 when a database could not be audited).
 */
import { InvalidArgumentError } from 'commander';
import type { AuditRun } from '../audit.js';
import type { FailOn } from '../config/types.js';
import { UsageError } from '../errors.js';
import { loadReporter, type Format } from '../report/index.js';
import { applyBaselineFlags, onlyErrors, reportAnchor, reportDocsBaseUrl, writeStepSummary, type CiFlags } from './audit-ci.js';
import { exitCodeFor } from './fail-on.js';
import { colorEnabled, type CommandContext } from './io.js';
import { sourceOptions, type SourceFlags } from './source-flags.js';
import { outputReport } from './write-report.js';

export const DEFAULT_CONCURRENCY = 4;

export function concurrency(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('Expected a whole number of databases, at least 1.');
  return Number(value);
}

export interface DatabasesFlags extends CiFlags, Omit<SourceFlags, 'db'> {
  format?: Format;
  output?: string;
  failOn: FailOn;
  probe?: boolean;
  concurrency?: number;
  schemaPerTenant?: string;
}

/**
 * The databases to audit when there are several: two or more --db, or the
 * config's `databases` when no source is named on the command line. null = one source, the usual audit.
 */
export async function databasesToAudit(flags: DatabasesFlags & { db?: string[] }, context: CommandContext): Promise<string[] | null> {
  const given = flags.db ?? [];
  if (given.length > 1) return given;
  if (given.length === 1 || flags.migrations || flags.offline) return null;
  const { loadConfig } = await import('../config/load.js');
  const { config } = await loadConfig({ cwd: context.io.cwd, env: context.io.env, configPath: flags.config });
  return config.databases.length > 0 ? config.databases : null;
}

export async function runDatabasesAudit(databases: string[], flags: DatabasesFlags, format: Format, { io, setExitCode }: CommandContext): Promise<void> {
  if (flags.probe) throw new UsageError('--probe runs on one database at a time', 'run tenantguard probe --db URL for each database');
  const pretty = format === 'pretty';
  const { auditMany } = await import('../audit-many.js');
  const { result: merged, runs } = await auditMany({
    ...sourceOptions({ ...flags, db: undefined }, io),
    schemaPerTenant: flags.schemaPerTenant,
    databases,
    concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
    onSource: (description) => {
      if (pretty && !flags.quiet) io.stderr.write(`Auditing ${description}\n`);
    },
  });
  const failed = runs.filter((r) => r.run === null);
  for (const { source, error } of failed) io.stderr.write(`tenantguard: cannot audit ${source}: ${(error as Error).message.split('\n')[0]}\n`);

  const result = await applyBaselineFlags(merged, flags, io);
  const shown = flags.quiet ? onlyErrors(result) : result;
  const first = runs.find((r) => r.run)?.run as AuditRun | undefined;
  const anchor = first && (format === 'sarif' || format === 'github' || format === 'gitlab') ? await reportAnchor(first, flags, io.cwd) : null;
  const docsBaseUrl = first ? reportDocsBaseUrl(first.config, format, io.cwd) : undefined;
  const text = (await loadReporter(format))(shown, { color: !flags.output && colorEnabled(io), anchor, verbose: flags.verbose, docsBaseUrl });
  await outputReport(io, text, flags.output, pretty ? 'Report' : null);
  if (format === 'github') await writeStepSummary(io, shown, docsBaseUrl);
  const findingsCode = exitCodeFor(result.findings.map((finding) => finding.severity), flags.failOn);
  setExitCode(failed.length > 0 ? 2 : findingsCode);
}
