import { Command } from 'commander';
import type { CommandContext } from './io.js';
import { registerAudit } from './commands/audit.js';
import { registerDiff } from './commands/diff.js';
import { registerExplain } from './commands/explain.js';
import { registerInit } from './commands/init.js';
import { registerProbe } from './commands/probe.js';
import { registerRules } from './commands/rules.js';
import { registerScaffold } from './commands/scaffold.js';
import { registerScaffoldHelper } from './commands/scaffold-helper.js';
import { registerScaffoldMigration } from './commands/scaffold-migration.js';
import { registerScaffoldTests } from './commands/scaffold-tests.js';
import { registerSnapshot } from './commands/snapshot.js';

/**
 * The command tree. Each command file registers its flags with commander and
 * loads everything heavy (pg, the embedded engine, libpg-query, prompts,
 * execa, drizzle-kit, the rules) with `await import()` inside its action, so
 * that `tenantguard --help` starts in the time of commander alone.
 */
export function createProgram(context: CommandContext, version: string): Command {
  const program = new Command('tenantguard')
    .description('Find tenant-isolation holes in multi-tenant Postgres databases and scaffold the fixes.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      // main() prints commander's errors itself, as one `tenantguard: …` line plus a hint.
      outputError: () => {},
    });

  // Commands, in the order `tenantguard --help` lists them.
  registerAudit(program, context);
  registerDiff(program, context);
  registerSnapshot(program, context);
  // scaffold (migration | helper | tests): subcommands register on the group.
  const scaffold = registerScaffold(program);
  registerScaffoldMigration(scaffold, context);
  registerScaffoldHelper(scaffold, context);
  registerScaffoldTests(scaffold, context);
  registerProbe(program, context);
  registerRules(program, context);
  registerExplain(program, context);
  registerInit(program, context);

  return program;
}
