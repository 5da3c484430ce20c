import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandContext } from '../io.js';
import { writeReport } from '../write-report.js';

export interface SnapshotFlags {
  db?: string;
  migrations?: string;
  offline?: boolean;
  schema?: string[];
  tenantColumn?: string;
  appRole?: string;
  config?: string;
  output?: string;
  statementTimeout?: number;
  lockTimeout?: number;
}

function milliseconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number of milliseconds (0 = no limit).');
  return Number(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function runSnapshotCommand(flags: SnapshotFlags, { io }: CommandContext): Promise<void> {
  const [{ snapshotAccess }, { renderSnapshot }] = await Promise.all([import('../../diff/index.js'), import('../../diff/snapshot.js')]);
  const matrix = await snapshotAccess({
    cwd: io.cwd,
    env: io.env,
    configPath: flags.config,
    db: flags.db,
    migrations: flags.migrations,
    offline: flags.offline,
    schemas: flags.schema,
    tenantColumn: flags.tenantColumn,
    appRole: flags.appRole,
    statementTimeoutMs: flags.statementTimeout,
    lockTimeoutMs: flags.lockTimeout,
    onSource: (description) => io.stderr.write(`Reading ${description}\n`),
  });
  const text = renderSnapshot(matrix);
  if (flags.output) {
    const written = await writeReport(io, flags.output, text);
    io.stderr.write(`Access matrix written to ${written}\n`);
  } else {
    io.stdout.write(text);
  }
}

export function registerSnapshot(program: Command, context: CommandContext): void {
  program
    .command('snapshot')
    .description("write the effective access matrix (who reaches which tenant's rows) as JSON, for `diff --base-snapshot`")
    .addOption(new Option('--db <url>', 'database URL (default: $TENANTGUARD_DATABASE_URL, $DATABASE_URL, .env.local, .env)').conflicts('migrations'))
    .option('--migrations <dir>', 'apply this migrations folder to the embedded engine and read the result')
    .option('--offline', 'never use a database URL from the environment or .env: read the migrations folder')
    .option('--schema <name>', 'read only this schema (repeatable; default: every non-system schema)', collect)
    .option('--tenant-column <name>', 'the column that holds the tenant id (default: organization_id)')
    .option('--app-role <role>', 'the role the application connects as (default: every non-owner role with grants)')
    .option('--config <file>', 'config file (default: tenantguard.config.json found from the working directory upward)')
    .option('--output <file>', 'write the matrix to a file instead of stdout')
    .option('--statement-timeout <ms>', 'statement_timeout for the session (default: 30000)', milliseconds)
    .option('--lock-timeout <ms>', 'lock_timeout for the session (default: 5000)', milliseconds)
    .action((flags: SnapshotFlags) => runSnapshotCommand(flags, context));
}
