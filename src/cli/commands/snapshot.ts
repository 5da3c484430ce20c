import type { Command } from 'commander';
import type { CommandContext } from '../io.js';
import { addSourceOptions, addTimeoutOptions, APP_ROLE_DEFAULT_HELP, sourceOptions, type SourceFlags } from '../source-flags.js';
import { outputReport } from '../write-report.js';

export interface SnapshotFlags extends SourceFlags {
  output?: string;
}

async function runSnapshotCommand(flags: SnapshotFlags, { io }: CommandContext): Promise<void> {
  const [{ snapshotAccess }, { renderSnapshot }] = await Promise.all([import('../../diff/index.js'), import('../../diff/snapshot.js')]);
  const matrix = await snapshotAccess({
    ...sourceOptions(flags, io),
    onSource: (description) => io.stderr.write(`Reading ${description}\n`),
  });
  await outputReport(io, renderSnapshot(matrix), flags.output, 'Access matrix');
}

export function registerSnapshot(program: Command, context: CommandContext): void {
  const snapshot = program
    .command('snapshot')
    .description("write the effective access matrix (who reaches which tenant's rows) as JSON, for `diff --base-snapshot`");
  addSourceOptions(snapshot, {
    migrations: 'apply this migrations folder to the embedded engine and read the result',
    offline: 'never use a database URL from the environment or .env: read the migrations folder',
    schema: 'read only this schema (repeatable; default: every non-system schema)',
    appRole: APP_ROLE_DEFAULT_HELP,
  }).option('--output <file>', 'write the matrix to a file instead of stdout');
  addTimeoutOptions(snapshot, 'the session').action((flags: SnapshotFlags) => runSnapshotCommand(flags, context));
}
