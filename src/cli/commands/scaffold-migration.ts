/**
 * `tenantguard scaffold migration`: flags and output. The work (settings →
 * plan → review → write) is scaffold/migration/index.ts; the questions asked
 * on a terminal are cli/scaffold-prompts.ts.
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { LAYOUTS, type LayoutName } from '../../scaffold/migration/layouts/types.js';
import { REVIEW_KINDS, type ReviewKind } from '../../scaffold/migration/types.js';
import type { CommandContext, Io } from '../io.js';
import { addSourceOptions, collect, SCAFFOLD_SOURCE_HELP, sourceOptions, type SourceFlags } from '../source-flags.js';

export interface ScaffoldMigrationFlags extends SourceFlags {
  out?: string;
  layout?: LayoutName;
  name?: string;
  table?: string[];
  drizzleSchema?: boolean;
  include?: ReviewKind[];
  /** false with --no-verify */
  verify?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  createAppRole?: boolean;
}

/** File-name-safe migration names: drizzle-kit, Supabase and plain folders all put it in a file name. */
function migrationName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(value)) {
    throw new InvalidArgumentError('Use letters, digits, _ and - (it becomes part of a file name).');
  }
  return value;
}

/** `--include KIND` (repeatable, or comma-separated; `all` = every kind): behaviour-changing steps to write as statements. */
function includeKinds(value: string, previous: ReviewKind[] | undefined): ReviewKind[] {
  const kinds: ReviewKind[] = [...(previous ?? [])];
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part === 'all') kinds.push(...REVIEW_KINDS);
    else if ((REVIEW_KINDS as readonly string[]).includes(part)) kinds.push(part as ReviewKind);
    else throw new InvalidArgumentError(`"${part}" is not a step kind; one of: ${REVIEW_KINDS.join(', ')}, all.`);
  }
  return [...new Set(kinds)];
}

async function runScaffoldMigration(flags: ScaffoldMigrationFlags, { io, setExitCode }: CommandContext): Promise<void> {
  // Prompts need a person at a terminal (stdin and stdout); --yes or a pipe means "use what flags and config say".
  const interactive = io.isTTY && (io.stdinIsTTY ?? io.isTTY) && !flags.yes;
  const { auditDetailed } = await import('../../audit.js');
  if (flags.out) await (await import('../../scaffold/migration/out-folder.js')).assertOutFolder(io.cwd, flags.out);
  if (flags.createAppRole && (flags.migrations !== undefined || flags.offline)) throw createAppRoleNeedsDb();
  const verify = flags.verify !== false;
  const run = await auditDetailed({
    ...sourceOptions(flags, io),
    keepOpen: verify,
    onSource: (description) => io.stderr.write(`Reading ${description}\n`),
  });
  try {
    if (flags.createAppRole && run.result.source.kind !== 'database') throw createAppRoleNeedsDb();
    await scaffoldFrom(run, flags, io, interactive, setExitCode);
  } finally {
    await run.source?.close();
  }
}

/**
 * An audit of a migrations folder sees the app role only when the migrations
 * or --setup create it: a guard has nothing to add there. It is for a role
 * that exists in the live database and nowhere in the migrations.
 */
function createAppRoleNeedsDb(): UsageError {
  return new UsageError(
    '--create-app-role applies to scaffolding from a live database (--db): a migrations folder has the app role only when its migrations or --setup create it',
    'scaffold from --db URL, or create the role in a migration of your own',
  );
}

async function scaffoldFrom(
  run: import('../../audit.js').AuditRun,
  flags: ScaffoldMigrationFlags,
  io: Io,
  interactive: boolean,
  setExitCode: (code: number) => void,
): Promise<void> {
  const [{ scaffoldMigration }, prompts] = await Promise.all([
    import('../../scaffold/migration/index.js'),
    interactive ? import('../scaffold-prompts.js') : null,
  ]);
  const result = await scaffoldMigration(
    { catalog: run.catalog, config: run.config, context: run.context, findings: run.ruleFindings },
    {
      cwd: io.cwd,
      env: io.env,
      out: flags.out ?? null,
      layout: flags.layout ?? null,
      name: flags.name ?? 'tenant_isolation',
      tables: flags.table ?? null,
      include: flags.include ?? [],
      yes: Boolean(flags.yes),
      dryRun: Boolean(flags.dryRun),
      force: Boolean(flags.force),
      drizzleSchema: Boolean(flags.drizzleSchema),
      createAppRole: Boolean(flags.createAppRole),
      verifyOn: run.source?.connection ?? null,
      now: new Date(),
    },
    prompts
      ? {
          settings: prompts.promptSettings,
          tables: prompts.promptTables,
          // --include decides which held kinds are written; without it each kind present is asked about
          ...(flags.include === undefined ? { include: prompts.promptIncludeKinds } : {}),
          confirmWrite: prompts.confirmWrite,
        }
      : {},
    {
      note: (line) => io.stderr.write(`${line}\n`),
      stdout: (text) => io.stdout.write(text),
      stderr: (text) => io.stderr.write(text),
    },
  );
  await printResult(io, result.written, result.nextCommand, Boolean(flags.dryRun));
  if (result.drizzleSchema !== null) io.stdout.write(`\n${result.drizzleSchema}`);
  if (run.result.source.kind === 'database' && result.written.length > 0) {
    const appRole = result.appRole;
    const { folderCreatesRole } = await import('../../scaffold/migration/role-origin.js');
    if (appRole && !(await folderCreatesRole(path.dirname(result.written[0]!), appRole))) {
      io.stderr.write(
        `note: no migration in this folder creates ${appRole}; \`tenantguard audit --offline\` on it needs the SQL that does ` +
          `(and its grants): pass it with --setup FILE, or "setup" in tenantguard.config.json (e.g. docker/init.sql), ` +
          `or re-run with --create-app-role to create it NOLOGIN, with its grants here, when missing\n`,
      );
    }
  }
  const v = result.verification;
  if (v === null) return;
  const failed = v.notFixed.length + v.regressions.length;
  io.stderr.write(
    `Verified on a copy: ${v.fixed.length} ${v.fixed.length === 1 ? 'finding' : 'findings'} fixed` +
      (v.notFixed.length > 0 ? `, ${v.notFixed.length} claimed by the plan still reported (left out of the header)` : '') +
      (v.regressions.length > 0 ? `, ${v.regressions.length} own-row ${v.regressions.length === 1 ? 'operation' : 'operations'} lost` : '') +
      (v.inconclusive.length > 0 ? `, ${v.inconclusive.length} inconclusive` : '') +
      '\n',
  );
  for (const f of v.notFixed) io.stderr.write(`  not fixed: ${f.rule} ${f.object.name}: ${f.message}\n`);
  for (const r of v.regressions) io.stderr.write(`  lost: ${r}\n`);
  for (const i of v.inconclusive) io.stderr.write(`  inconclusive: ${i}\n`);
  if (failed > 0) setExitCode(1);
}

async function printResult(io: Io, written: string[], nextCommand: string, dryRun: boolean): Promise<void> {
  const { displayPath } = await import('../../scaffold/write-files.js');
  if (dryRun) {
    io.stderr.write('Dry run: nothing written.\n');
    return;
  }
  for (const path of written) io.stdout.write(`wrote ${displayPath(path, io.cwd)}\n`);
  io.stdout.write(`next: review it, apply it (${nextCommand}), then run tenantguard audit\n`);
}

/** `scaffold migration`, registered on the `scaffold` command group. */
export function registerScaffoldMigration(scaffold: Command, context: CommandContext): void {
  const migration = scaffold
    .command('migration')
    .description('write a migration that gives the flagged tenant tables RLS, FORCE and tenant policies');
  addSourceOptions(migration, SCAFFOLD_SOURCE_HELP)
    .option('--out <dir>', 'folder to write the migration to (default: per layout)')
    .addOption(new Option('--layout <layout>', 'migration layout (default: detected)').choices(LAYOUTS))
    .option('--name <name>', 'migration name (default: tenant_isolation)', migrationName)
    .option('--table <name>', 'scaffold this table (repeatable; default: every flagged tenant table)', collect)
    .option('--include <kind>', `write behaviour-changing steps of this kind as statements instead of for review (repeatable: ${REVIEW_KINDS.join(', ')}, all)`, includeKinds)
    .option('--no-verify', 'do not apply the migration to a copy and audit it again before writing (the header then claims what the plan resolves, unverified)')
    .option('--drizzle-schema', 'also print the pgPolicy(...) / .enableRLS() code for the Drizzle schema')
    .option('--dry-run', 'print the migration instead of writing it')
    .option('-y, --yes', 'accept the defaults instead of prompting')
    .option('--create-app-role', 'when no migration creates the app role, open the migration with a guard that creates it NOLOGIN if missing (--db only)')
    .option('--force', 'overwrite files that already exist')
    .action((flags: ScaffoldMigrationFlags) => runScaffoldMigration(flags, context));
}
