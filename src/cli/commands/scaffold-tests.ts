import type { Command } from 'commander';
import { TenantguardError } from '../../errors.js';
import type { CommandContext } from '../io.js';
import { addSourceOptions, collect, SCAFFOLD_SOURCE_HELP, sourceOptions, type SourceFlags } from '../source-flags.js';

export interface ScaffoldTestsFlags extends SourceFlags {
  out: string;
  table?: string[];
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
}

export const DEFAULT_TESTS_DIR = 'test/tenant-isolation';

async function confirm(message: string): Promise<boolean> {
  const { default: prompts } = await import('prompts');
  const answer = await prompts({ type: 'confirm', name: 'ok', message, initial: true });
  return answer.ok === true;
}

async function runScaffoldTests(flags: ScaffoldTestsFlags, { io }: CommandContext): Promise<void> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  const { auditDetailed } = await import('../../audit.js');
  // Only the catalog and tenancy are needed: no rule runs.
  const run = await auditDetailed({
    ...sourceOptions(flags, io),
    rules: [],
    onSource: (description) => say(`Reading ${description}`),
  });
  const [{ planLeakSuite }, { writeFiles, displayPath }] = await Promise.all([
    import('../../scaffold/tests/suite.js'),
    import('../../scaffold/write-files.js'),
  ]);
  const source = run.result.source.kind === 'database' ? `database "${run.result.source.name}"` : `the migrations in ${run.result.source.name}`;
  const suite = await planLeakSuite(run.context, { outDir: flags.out, tables: flags.table, source });

  const { plan, role } = suite;
  say(`Testing as ${role.role}${role.how === 'only-candidate' ? ' (the only role besides the owners with privileges on tenant tables)' : ''}`);
  say(`${plan.cases.length} tenant table${plan.cases.length === 1 ? '' : 's'} covered: ${plan.cases.map((c) => c.table).join(', ') || 'none'}`);
  for (const todo of plan.todo) say(`  todo ${todo.table}: ${todo.todo}`);
  if (plan.cases.length === 0 && plan.todo.length === 0) {
    throw new TenantguardError('no tenant table to test', 'check --table and the tenant column');
  }

  if (!flags.dryRun && !flags.yes && io.isTTY) {
    const ok = await confirm(`Write ${suite.files.length} files to ${displayPath(flags.out, io.cwd)}?`);
    if (!ok) {
      say('Nothing written.');
      return;
    }
  }
  const written = await writeFiles(suite.files, {
    cwd: io.cwd,
    dryRun: flags.dryRun,
    force: flags.force,
    stdout: (text) => io.stdout.write(text),
    stderr: (text) => io.stderr.write(text),
  });
  for (const file of written) say(`wrote ${displayPath(file, io.cwd)}`);
  if (written.length > 0) {
    say(`Run: TENANT_TEST_DATABASE_URL=postgres://… npx vitest run ${displayPath(flags.out, io.cwd)}`);
    say('(the URL\'s user seeds rows and must be able to SET ROLE to the app role; everything is rolled back)');
  }
}

/** `scaffold tests`, registered on the `scaffold` command group (its source options are the audit's). */
export function registerScaffoldTests(scaffold: Command, context: CommandContext): void {
  addSourceOptions(
    scaffold
      .command('tests')
      .description("write a vitest suite that proves, table by table, that one organization cannot read or write another's rows"),
    SCAFFOLD_SOURCE_HELP,
  )
    .option('--out <dir>', `folder for the generated suite (default: ${DEFAULT_TESTS_DIR})`, DEFAULT_TESTS_DIR)
    .option('--table <name>', 'only this tenant table (repeatable; default: every tenant table)', collect)
    .option('--dry-run', 'print the files instead of writing them')
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .option('--force', 'overwrite files that already exist')
    .action((flags: ScaffoldTestsFlags) => runScaffoldTests(flags, context));
}
