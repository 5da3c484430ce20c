import type { Command } from 'commander';
import type { CommandContext } from '../io.js';

export interface ScaffoldHelperFlags {
  out?: string;
  dbImport?: string;
  config?: string;
  dryRun?: boolean;
  force?: boolean;
}

async function runScaffoldHelper(flags: ScaffoldHelperFlags, { io }: CommandContext): Promise<void> {
  const [{ loadConfig }, { DEFAULT_HELPER_PATH, planHelper }, { writeFiles, displayPath }] = await Promise.all([
    import('../../config/load.js'),
    import('../../scaffold/helper.js'),
    import('../../scaffold/write-files.js'),
  ]);
  const { config } = await loadConfig({ cwd: io.cwd, env: io.env, configPath: flags.config });
  const file = await planHelper({
    contextSetting: config.contextSetting,
    dbImport: flags.dbImport ?? '@/db',
    out: flags.out ?? DEFAULT_HELPER_PATH,
  });
  const written = await writeFiles([file], {
    cwd: io.cwd,
    dryRun: flags.dryRun,
    force: flags.force,
    stdout: (text) => io.stdout.write(text),
    stderr: (text) => io.stderr.write(text),
  });
  for (const path of written) io.stdout.write(`created ${displayPath(path, io.cwd)}\n`);
  if (!flags.dryRun) {
    io.stdout.write(`next: wrap tenant queries in withRLS(orgId, (tx) => …) and run them through tx\n`);
  }
}

/** `scaffold helper`, registered on the `scaffold` command group. */
export function registerScaffoldHelper(scaffold: Command, context: CommandContext): void {
  scaffold
    .command('helper')
    .description("write the withRLS helper (Drizzle on node-postgres) that sets the tenant with set_config(..., true)")
    .option('--out <file>', 'file to write (default: src/lib/with-rls.ts)')
    .option('--db-import <module>', "module the helper imports db from (default: '@/db')")
    .option('--config <file>', 'config file (for contextSetting)')
    .option('--dry-run', 'print the helper instead of writing it')
    .option('--force', 'overwrite the file if it exists')
    .action((flags: ScaffoldHelperFlags) => runScaffoldHelper(flags, context));
}
