import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AuditOptions } from '../../audit.js';
import type { FailOn } from '../../config/types.js';
import { TenantguardError } from '../../errors.js';
import type { ProbeReport } from '../../probe/probe.js';
import { formats, loadReporter, type Format } from '../../report/index.js';
import { colorEnabled, type CommandContext, type Io } from '../io.js';
import { writeReport } from '../write-report.js';
import { exitCodeFor } from './audit.js';
import { sourceOptions } from '../source-flags.js';

export interface ProbeFlags {
  db?: string;
  migrations?: string;
  schema?: string[];
  tenantColumn?: string;
  appRole?: string;
  table?: string[];
  format?: Format;
  output?: string;
  failOn: FailOn;
  config?: string;
  statementTimeout?: number;
  lockTimeout?: number;
  allowInconclusive?: boolean;
}

const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'never'];

function milliseconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number of milliseconds (0 = no limit).');
  return Number(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Why the exit code is 2 although the report was written: a check that could not conclude is never a pass. */
function inconclusiveError(report: ProbeReport): TenantguardError {
  const tables = new Set(report.inconclusive.map((i) => i.table)).size;
  const checks = report.inconclusive.length;
  return new TenantguardError(
    `${checks} probe check${checks === 1 ? '' : 's'} on ${tables} table${tables === 1 ? '' : 's'} ${checks === 1 ? 'was' : 'were'} inconclusive (listed above)`,
    'fix what each line names, or pass --allow-inconclusive to exit on the findings alone',
  );
}

/**
 * The probe part of an audit request, for `probe` and `audit --probe`: warns
 * about what a rolled-back transaction still does, prints what could not be
 * probed, and turns the first SIGINT into a rollback (a second one ends the
 * process; the server then rolls back when the connection closes).
 * `conclude` fails, after the report is out, when a check was inconclusive.
 */
export async function probeRequest(
  io: Io,
  tables: string[] | undefined,
): Promise<{ probe: NonNullable<AuditOptions['probe']>; dispose(): void; conclude(allowInconclusive: boolean): void }> {
  const { PROBE_SIDE_EFFECTS } = await import('../../probe/probe.js');
  io.stderr.write(`warning: ${PROBE_SIDE_EFFECTS}\n`);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  let observed: ProbeReport | null = null;
  return {
    probe: {
      signal: controller.signal,
      tables,
      onProgress: (message) => {
        if (io.isTTY) io.stderr.write(`probe: ${message}\n`);
      },
      onReport: (report: ProbeReport) => {
        observed = report;
        const how = report.role.how === 'only-candidate' ? ' (the only role besides the owners with privileges on tenant tables)' : '';
        io.stderr.write(`Probed ${report.tablesProbed} tenant table${report.tablesProbed === 1 ? '' : 's'} as ${report.role.role}${how}; rolled back\n`);
        for (const note of report.notes) io.stderr.write(`  note: ${note}\n`);
        for (const check of report.inconclusive) io.stderr.write(`  inconclusive: ${check.table}: ${check.reason}\n`);
      },
    },
    dispose: () => process.removeListener('SIGINT', interrupt),
    conclude: (allowInconclusive) => {
      const report = observed as ProbeReport | null;
      if (report && report.inconclusive.length > 0 && !allowInconclusive) throw inconclusiveError(report);
    },
  };
}

async function runProbeCommand(flags: ProbeFlags, { io, setExitCode }: CommandContext): Promise<void> {
  const format: Format = flags.format ?? 'pretty';
  const [{ auditDetailed }, { default: read }, { default: write }] = await Promise.all([
    import('../../audit.js'),
    import('../../rules/probe-cross-tenant-read.js'),
    import('../../rules/probe-cross-tenant-write.js'),
  ]);
  const { probe, dispose, conclude } = await probeRequest(io, flags.table);
  let run;
  try {
    run = await auditDetailed({
      ...sourceOptions(flags, io),
      statementTimeoutMs: flags.statementTimeout,
      lockTimeoutMs: flags.lockTimeout,
      rules: [read, write],
      probe,
      onSource: (description) => {
        if (format === 'pretty') io.stderr.write(`Probing ${description}\n`);
      },
    });
  } finally {
    dispose();
  }
  const render = await loadReporter(format);
  const text = render(run.result, { color: !flags.output && colorEnabled(io) });
  if (flags.output) {
    const written = await writeReport(io, flags.output, text);
    if (format === 'pretty') io.stderr.write(`Report written to ${written}\n`);
  } else {
    io.stdout.write(text);
  }
  setExitCode(exitCodeFor(run.result.findings.map((finding) => finding.severity), flags.failOn));
  conclude(flags.allowInconclusive === true);
}

export function registerProbe(program: Command, context: CommandContext): void {
  program
    .command('probe')
    .description(
      "prove isolation live: as the app role, try to read and write another organization's rows, in a transaction that is always rolled back",
    )
    .addOption(new Option('--db <url>', 'database URL (default: $TENANTGUARD_DATABASE_URL, $DATABASE_URL, .env.local, .env)').conflicts('migrations'))
    .option('--migrations <dir>', 'apply this migrations folder to the embedded engine and probe the result')
    .option('--schema <name>', 'probe only this schema (repeatable; default: every non-system schema)', collect)
    .option('--tenant-column <name>', 'the column that holds the tenant id (default: organization_id)')
    .option('--app-role <role>', 'the role the application connects as; the connected role must be able to SET ROLE to it')
    .option('--table <name>', 'probe only this tenant table (repeatable)', collect)
    .addOption(new Option('--format <format>', 'report format (default: pretty)').choices(formats))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(FAIL_ON).default('error'))
    .option('--config <file>', 'config file (default: tenantguard.config.json found from the working directory upward)')
    .option('--statement-timeout <ms>', 'statement_timeout for the probe transaction (default: 30000)', milliseconds)
    .option('--lock-timeout <ms>', 'lock_timeout for the probe transaction (default: 5000)', milliseconds)
    .option('--allow-inconclusive', 'exit on the findings alone when some checks could not conclude (default: exit 2)')
    .action((flags: ProbeFlags) => runProbeCommand(flags, context));
}
