/**
 * `tenantguard scaffold <what>`: the group the fixes are written from. Each
 * subcommand (scaffold-migration.ts, scaffold-helper.ts, scaffold-tests.ts)
 * registers itself on it; program.ts wires them together.
 */
import type { Command } from 'commander';

export function registerScaffold(program: Command): Command {
  return program.command('scaffold').description('write the fixes: a migration, the withRLS helper, isolation tests');
}
