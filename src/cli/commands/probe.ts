import { Option, type Command } from 'commander';
import type { FailOn } from '../../config/types.js';
import { formats, loadReporter, type Format } from '../../report/index.js';
import { reportDocsBaseUrl } from '../audit-ci.js';
import { exitCodeFor, failOnOption } from '../fail-on.js';
import { colorEnabled, type CommandContext } from '../io.js';
import { probeRequest } from '../probe-request.js';
import { addSourceOptions, addTimeoutOptions, collect, sourceOptions, type SourceFlags } from '../source-flags.js';
import { outputReport } from '../write-report.js';

export interface ProbeFlags extends SourceFlags {
  table?: string[];
  format?: Format;
  output?: string;
  failOn: FailOn;
  allowInconclusive?: boolean;
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
  const text = render(run.result, { color: !flags.output && colorEnabled(io), docsBaseUrl: reportDocsBaseUrl(run.config, format, io.cwd) });
  await outputReport(io, text, flags.output, format === 'pretty' ? 'Report' : null);
  setExitCode(exitCodeFor(run.result.findings.map((finding) => finding.severity), flags.failOn));
  conclude(flags.allowInconclusive === true);
}

export function registerProbe(program: Command, context: CommandContext): void {
  const probe = program
    .command('probe')
    .description(
      "prove isolation live: as the app role, try to read and write another organization's rows, in a transaction that is always rolled back",
    );
  addSourceOptions(probe, {
    migrations: 'apply this migrations folder to the embedded engine and probe the result',
    schema: 'probe only this schema (repeatable; default: every non-system schema)',
    appRole: 'the role the application connects as; the connected role must be able to SET ROLE to it',
  })
    .option('--table <name>', 'probe only this tenant table (repeatable)', collect)
    .addOption(new Option('--format <format>', 'report format (default: pretty)').choices(formats))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(failOnOption());
  addTimeoutOptions(probe, 'the probe transaction')
    .option('--allow-inconclusive', 'exit on the findings alone when some checks could not conclude (default: exit 2)')
    .action((flags: ProbeFlags) => runProbeCommand(flags, context));
}
