import type { CommandContext } from '../io.js';

export interface ScaffoldHelperFlags {
  out?: string;
  dbImport?: string;
  config?: string;
  dryRun?: boolean;
  force?: boolean;
}

export async function runScaffoldHelper(flags: ScaffoldHelperFlags, { io }: CommandContext): Promise<void> {
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
