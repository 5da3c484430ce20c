/**
 * `tenantguard scaffold <what>`: write the fixes the audit points at. Each
 * subcommand registers here and keeps its work in its own module, loaded only
 * when it runs (scaffold-migration.ts, scaffold-helper.ts, …).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandContext } from '../io.js';
import { registerScaffoldTests } from './scaffold-tests.js';

/** Flags every scaffold that reads a database shares with `audit`. */
export interface ScaffoldSourceFlags {
  db?: string;
  migrations?: string;
  schema?: string[];
  tenantColumn?: string;
  appRole?: string;
  config?: string;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The audit's source options (--db | --migrations, --schema, --tenant-column, --app-role, --config). */
export function addSourceOptions(command: Command): Command {
  return command
    .addOption(new Option('--db <url>', 'database URL (default: $TENANTGUARD_DATABASE_URL, $DATABASE_URL, .env.local, .env)').conflicts('migrations'))
    .option('--migrations <dir>', 'apply this migrations folder to the embedded engine and scaffold from the result')
    .option('--schema <name>', 'only this schema (repeatable; default: every non-system schema)', collect)
    .option('--tenant-column <name>', 'the column that holds the tenant id (default: organization_id)')
    .option('--app-role <role>', 'the role the application connects as')
    .option('--config <file>', 'config file (default: tenantguard.config.json found from the working directory upward)');
}

/** File-name-safe migration names: drizzle-kit, Supabase and plain folders all put it in a file name. */
function migrationName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(value)) {
    throw new InvalidArgumentError('Use letters, digits, _ and - (it becomes part of a file name).');
  }
  return value;
}

export function registerScaffold(program: Command, context: CommandContext): Command {
  const scaffold = program
    .command('scaffold')
    .description('write the fixes: a migration, the withRLS helper, isolation tests');

  addSourceOptions(
    scaffold
      .command('migration')
      .description('write a migration that gives the flagged tenant tables RLS, FORCE and tenant policies'),
  )
    .option('--out <dir>', 'folder to write the migration to (default: per layout)')
    .addOption(new Option('--layout <layout>', 'migration layout (default: detected)').choices(['drizzle', 'supabase', 'plain']))
    .option('--name <name>', 'migration name (default: tenant_isolation)', migrationName)
    .option('--table <name>', 'scaffold this table (repeatable; default: every flagged tenant table)', collect)
    .option('--drizzle-schema', 'also print the pgPolicy(...) / .enableRLS() code for the Drizzle schema')
    .option('--dry-run', 'print the migration instead of writing it')
    .option('-y, --yes', 'accept the defaults instead of prompting')
    .option('--force', 'overwrite files that already exist')
    .action(async (flags) => {
      const { runScaffoldMigration } = await import('./scaffold-migration.js');
      await runScaffoldMigration(flags, context);
    });

  scaffold
    .command('helper')
    .description("write the withRLS helper (Drizzle on node-postgres) that sets the tenant with set_config(..., true)")
    .option('--out <file>', 'file to write (default: src/lib/with-rls.ts)')
    .option('--db-import <module>', "module the helper imports db from (default: '@/db')")
    .option('--config <file>', 'config file (for contextSetting)')
    .option('--dry-run', 'print the helper instead of writing it')
    .option('--force', 'overwrite the file if it exists')
    .action(async (flags) => {
      const { runScaffoldHelper } = await import('./scaffold-helper.js');
      await runScaffoldHelper(flags, context);
    });

  registerScaffoldTests(scaffold, context);

  return scaffold;
}
