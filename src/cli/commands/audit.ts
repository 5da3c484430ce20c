import { InvalidArgumentError, Option, type Command } from 'commander';
import type { FailOn, Severity } from '../../config/types.js';
import { formats, loadReporter, type Format } from '../../report/index.js';
import { colorEnabled, type CommandContext, type Io } from '../io.js';
import { writeReport } from '../write-report.js';
import {
  applyBaselineFlags,
  defaultFormat,
  onlyErrors,
  reportAnchor,
  reportSkippedStatements,
  writeStepSummary,
  type CiFlags,
} from '../audit-ci.js';
import { sourceOptions } from '../source-flags.js';

export interface AuditFlags extends CiFlags {
  db?: string;
  migrations?: string;
  offline?: boolean;
  schema?: string[];
  tenantColumn?: string;
  appRole?: string;
  format?: Format;
  output?: string;
  failOn: FailOn;
  config?: string;
  statementTimeout?: number;
  lockTimeout?: number;
  probe?: boolean;
  allowInconclusive?: boolean;
}

const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'never'];
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

function milliseconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number of milliseconds (0 = no limit).');
  return Number(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** 1 when a finding is at or above the --fail-on threshold, else 0. */
export function exitCodeFor(severities: readonly Severity[], failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  return severities.some((severity) => RANK[severity] >= RANK[failOn]) ? 1 : 0;
}

/**
 * Migration progress on a terminal only: one line, rewritten in place (cut to
 * 79 columns, since a wrapped line could not be rewritten).
 */
function progressPrinter(io: Io, enabled: boolean) {
  let shown = false;
  return {
    update(message: string) {
      if (!enabled) return;
      const line = message.length > 79 ? `${message.slice(0, 78)}…` : message;
      io.stderr.write(`\r\x1b[K${line}`);
      shown = true;
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

async function runAuditCommand(flags: AuditFlags, { io, setExitCode }: CommandContext): Promise<void> {
  const format: Format = flags.format ?? defaultFormat(io.env);
  const pretty = format === 'pretty';
  const progress = progressPrinter(io, pretty && io.isTTY);
  const { auditDetailed } = await import('../../audit.js');
  const probing = flags.probe ? await (await import('./probe.js')).probeRequest(io, undefined) : null;
  let run;
  try {
    run = await auditDetailed({
      probe: probing?.probe,
      ...sourceOptions(flags, io),
      offline: flags.offline,
      statementTimeoutMs: flags.statementTimeout,
      lockTimeoutMs: flags.lockTimeout,
      onSource: (description) => {
        if (pretty && !flags.quiet) io.stderr.write(`Auditing ${description}\n`);
      },
      onProgress: (message) => progress.update(message),
    });
  } finally {
    progress.clear();
    probing?.dispose();
  }

  reportSkippedStatements(io, run);
  const result = await applyBaselineFlags(run.result, flags, io);
  const shown = flags.quiet ? onlyErrors(result) : result;
  const anchor = format === 'sarif' || format === 'github' ? await reportAnchor(run, flags, io.cwd) : null;
  const render = await loadReporter(format);
  let text = render(shown, { color: !flags.output && colorEnabled(io), anchor, verbose: flags.verbose });
  if (flags.verbose && pretty) {
    text += (await import('../../report/effective-policies.js')).renderEffectivePolicies(run.context, shown.findings);
  }
  if (flags.output) {
    const written = await writeReport(io, flags.output, text);
    if (pretty) io.stderr.write(`Report written to ${written}\n`);
  } else {
    io.stdout.write(text);
  }
  if (format === 'github') await writeStepSummary(io, shown);
  setExitCode(exitCodeFor(result.findings.map((finding) => finding.severity), flags.failOn));
  probing?.conclude(flags.allowInconclusive === true);
}

export function registerAudit(program: Command, context: CommandContext): void {
  program
    .command('audit')
    .description('audit a database (or a migrations folder, on the embedded engine) for tenant-isolation holes')
    .addOption(new Option('--db <url>', 'database URL (default: $TENANTGUARD_DATABASE_URL, $DATABASE_URL, .env.local, .env)').conflicts('migrations'))
    .option('--migrations <dir>', 'apply this migrations folder to the embedded engine and audit the result')
    .option('--offline', 'never use a database URL from the environment or .env: audit the migrations folder (pre-commit hooks)')
    .option('--schema <name>', 'audit only this schema (repeatable; default: every non-system schema)', collect)
    .option('--tenant-column <name>', 'the column that holds the tenant id (default: organization_id)')
    .option('--app-role <role>', 'the role the application connects as (default: every non-owner role with grants)')
    .addOption(new Option('--format <format>', 'report format (default: pretty)').choices(formats))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(FAIL_ON).default('error'))
    .option('--config <file>', 'config file (default: tenantguard.config.json found from the working directory upward)')
    .option('--baseline <file>', 'report only findings whose fingerprint is not in this baseline file')
    .option('--update-baseline', 'write the current findings to the baseline (--baseline FILE, default tenantguard.baseline.json)')
    .option('--sarif-anchor <file>', 'repository file that SARIF results and annotations without a migration line point at')
    .option('-q, --quiet', 'report only errors')
    .option('-v, --verbose', 'pretty format: also list info findings, the full message of each consequence and the effective policies per role of each flagged table')
    .option('--statement-timeout <ms>', 'statement_timeout for the audit session (default: 30000)', milliseconds)
    .option('--lock-timeout <ms>', 'lock_timeout for the audit session (default: 5000)', milliseconds)
    .option('--probe', "also run the live probe: cross-tenant reads and writes as the app role, always rolled back (see `tenantguard probe`)")
    .option('--allow-inconclusive', 'with --probe: exit on the findings alone when some probe checks could not conclude (default: exit 2)')
    .action((flags: AuditFlags) => runAuditCommand(flags, context));
}
