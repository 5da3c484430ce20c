import { Option, type Command } from 'commander';
import { appendFile } from 'node:fs/promises';
import type { FailOn, Severity } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { printable } from '../../printable.js';
import type { BaseRequest, DiffResult } from '../../diff/index.js';
import { diffFormats, type DiffFormat } from '../../diff/report/options.js';
import { exitCodeFor, failOnOption } from '../fail-on.js';
import { colorEnabled, type CommandContext, type Io } from '../io.js';
import { addSourceOptions, addTimeoutOptions, APP_ROLE_DEFAULT_HELP, sourceOptions, type SourceFlags } from '../source-flags.js';
import { outputReport } from '../write-report.js';

export interface DiffFlags extends SourceFlags {
  base?: string;
  baseDb?: string;
  baseSnapshot?: string;
  format?: DiffFormat;
  output?: string;
  failOn: FailOn;
  probe: boolean;
  verbose?: boolean;
  sarifAnchor?: string;
}

function baseRequest(flags: DiffFlags): BaseRequest {
  const given = [flags.base !== undefined, flags.baseDb !== undefined, flags.baseSnapshot !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('--base, --base-db and --base-snapshot cannot be used together', 'compare against one base: a git revision, a database or a snapshot file');
  if (flags.baseDb !== undefined) return { kind: 'database', url: flags.baseDb };
  if (flags.baseSnapshot !== undefined) return { kind: 'snapshot', file: flags.baseSnapshot };
  return { kind: 'revision', ref: flags.base };
}

/** Statements the embedded engine could not run: never silent (what they create is not compared). */
function reportSkipped(io: Io, side: DiffResult['base']): void {
  if (side.skipped.length === 0) return;
  const count = side.skipped.length;
  io.stderr.write(`warning: ${count} migration statement${count === 1 ? ' was' : 's were'} skipped at ${printable(side.label)}; objects they create are not compared:\n`);
  for (const s of side.skipped) io.stderr.write(`  ${printable(`${s.file}:${s.line}: ${s.reason}`)}\n`);
}

/** The changes as a GitHub step summary too, when the report goes to annotations. */
async function writeStepSummary(io: Io, result: DiffResult, verbose: boolean | undefined): Promise<void> {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const { diffReporters } = await import('../../diff/report/options.js');
  await appendFile(file, `${(await diffReporters.markdown())(result, { verbose })}\n`);
}

async function runDiffCommand(flags: DiffFlags, { io, setExitCode }: CommandContext): Promise<void> {
  const format: DiffFormat = flags.format ?? (io.env.GITHUB_ACTIONS === 'true' ? 'github' : 'pretty');
  const pretty = format === 'pretty';
  const base = baseRequest(flags);
  const { diffAccess } = await import('../../diff/index.js');
  const result = await diffAccess({
    ...sourceOptions(flags, io),
    base,
    probe: flags.probe,
    onSource: (side, description) => {
      if (pretty) io.stderr.write(`${side === 'base' ? 'Base' : 'Head'}: ${description}\n`);
    },
  });
  // A statement both sides skipped is listed once, with the head.
  const atHead = new Set(result.head.skipped.map((s) => `${s.file}:${s.line}:${s.reason}`));
  reportSkipped(io, { ...result.base, skipped: result.base.skipped.filter((s) => !atHead.has(`${s.file}:${s.line}:${s.reason}`)) });
  reportSkipped(io, result.head);
  const { diffReporters } = await import('../../diff/report/options.js');
  // Changes with no migration line go where the others are, so GitHub accepts every SARIF result.
  const anchor = flags.sarifAnchor ?? result.changes.find((c) => c.location)?.location?.file ?? null;
  const text = (await diffReporters[format]())(result, { color: !flags.output && colorEnabled(io), verbose: flags.verbose, anchor });
  await outputReport(io, text, flags.output, pretty ? 'Report' : null);
  if (format === 'github') await writeStepSummary(io, result, flags.verbose);
  setExitCode(exitCodeFor(result.changes.map((c) => c.severity as Severity), flags.failOn));
}

export function registerDiff(program: Command, context: CommandContext): void {
  const diff = program
    .command('diff')
    .description("compare who can reach which tenant's rows before and after a change (a pull request's migrations)")
    .option('--base <revision>', 'git revision whose migrations folder is the base (default: the merge base with the default branch)')
    .addOption(new Option('--base-db <url>', 'a database as the base (e.g. production) instead of a git revision'))
    .option('--base-snapshot <file>', 'an access matrix written by `tenantguard snapshot` as the base');
  addSourceOptions(diff, {
    db: { help: 'a database as the head (default: the migrations folder of the working tree)', excludesMigrations: false },
    migrations: 'the migrations folder (default: found as `tenantguard audit` finds it)',
    schema: 'compare only this schema (repeatable; default: every non-system schema)',
    appRole: APP_ROLE_DEFAULT_HELP,
  })
    .addOption(new Option('--format <format>', 'report format (default: pretty; github on GitHub Actions)').choices(diffFormats))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(failOnOption('exit 1 when a change is at or above this severity (widened: error; narrowed, unknown: warning)'))
    .option('--no-probe', 'do not prove widenings with the probe on the embedded copies')
    .option('--sarif-anchor <file>', 'repository file that SARIF results and annotations without a migration line point at')
    .option('-v, --verbose', 'also list info changes (access added within the tenant, equivalent policy rewrites) and each probe result');
  addTimeoutOptions(diff, 'each session').action((flags: DiffFlags) => runDiffCommand(flags, context));
}
