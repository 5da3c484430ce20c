import { Option, type Command } from 'commander';
import type { FailOn } from '../../config/types.js';
import { formats, loadReporter, type Format } from '../../report/index.js';
import { exitCodeFor, failOnOption } from '../fail-on.js';
import { colorEnabled, type CommandContext, type Io } from '../io.js';
import { outputReport } from '../write-report.js';
import {
  applyBaselineFlags,
  defaultFormat,
  onlyErrors,
  reportAnchor,
  reportDocsBaseUrl,
  reportSkippedStatements,
  writeStepSummary,
  type CiFlags,
} from '../audit-ci.js';
import { concurrency, databasesToAudit, DEFAULT_CONCURRENCY, runDatabasesAudit } from '../audit-databases.js';
import { probeRequest } from '../probe-request.js';
import { addSourceOptions, addTimeoutOptions, APP_ROLE_DEFAULT_HELP, sourceOptions, type SourceFlags } from '../source-flags.js';

export interface AuditFlags extends CiFlags, Omit<SourceFlags, 'db'> {
  /** Repeatable: two or more audit each database (see cli/audit-databases.ts). */
  db?: string[];
  concurrency?: number;
  /** Glob of the tenant schemas of a schema-per-tenant layout. */
  schemaPerTenant?: string;
  format?: Format;
  output?: string;
  failOn: FailOn;
  probe?: boolean;
  allowInconclusive?: boolean;
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
  const databases = await databasesToAudit(flags, { io, setExitCode });
  if (databases) return runDatabasesAudit(databases, flags, format, { io, setExitCode });
  const probing = flags.probe ? await probeRequest(io, undefined) : null;
  let run;
  try {
    run = await auditDetailed({
      probe: probing?.probe,
      ...sourceOptions({ ...flags, db: flags.db?.[0] }, io),
      schemaPerTenant: flags.schemaPerTenant,
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
  const anchor = format === 'sarif' || format === 'github' || format === 'gitlab' ? await reportAnchor(run, flags, io.cwd) : null;
  const render = await loadReporter(format);
  const docsBaseUrl = reportDocsBaseUrl(run.config, format, io.cwd);
  let text = render(shown, { color: !flags.output && colorEnabled(io), anchor, verbose: flags.verbose, docsBaseUrl });
  if (flags.verbose && pretty) {
    text += (await import('../../report/effective-policies.js')).renderEffectivePolicies(run.context, shown.findings);
  }
  await outputReport(io, text, flags.output, pretty ? 'Report' : null);
  if (format === 'github') await writeStepSummary(io, shown, docsBaseUrl);
  setExitCode(exitCodeFor(result.findings.map((finding) => finding.severity), flags.failOn));
  probing?.conclude(flags.allowInconclusive === true);
}

export function registerAudit(program: Command, context: CommandContext): void {
  const audit = program
    .command('audit')
    .description('audit a database (or a migrations folder, on the embedded engine) for tenant-isolation holes');
  addSourceOptions(audit, {
    migrations: 'apply this migrations folder to the embedded engine and audit the result',
    offline: 'never use a database URL from the environment or .env: audit the migrations folder (pre-commit hooks)',
    schema: 'audit only this schema (repeatable; default: every non-system schema)',
    appRole: APP_ROLE_DEFAULT_HELP,
    db: { help: 'database URL (default: $TENANTGUARD_DATABASE_URL, $DATABASE_URL, .env.local, .env); repeat it to audit several databases into one report', excludesMigrations: true, repeatable: true },
  })
    .option(
      '--schema-per-tenant <glob>',
      "schema-per-tenant layouts: the tenant schemas, e.g. 'tenant_*' (* any characters, ? one); checks that no role's grants or search_path cross them",
    )
    .option('--concurrency <n>', `with several databases: how many are audited at once (default: ${DEFAULT_CONCURRENCY})`, concurrency)
    .addOption(new Option('--format <format>', 'report format (default: pretty)').choices(formats))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(failOnOption())
    .option('--baseline <file>', 'report only findings whose fingerprint is not in this baseline file')
    .option('--update-baseline', 'write the current findings to the baseline (--baseline FILE, default tenantguard.baseline.json)')
    .option('--sarif-anchor <file>', 'repository file that SARIF results and annotations without a migration line point at')
    .option('-q, --quiet', 'report only errors')
    .option('-v, --verbose', 'pretty format: also list info findings, the full message of each consequence and the effective policies per role of each flagged table');
  addTimeoutOptions(audit, 'the audit session')
    .option('--probe', "also run the live probe: cross-tenant reads and writes as the app role, always rolled back (see `tenantguard probe`)")
    .option('--allow-inconclusive', 'with --probe: exit on the findings alone when some probe checks could not conclude (default: exit 2)')
    .action((flags: AuditFlags) => runAuditCommand(flags, context));
}
