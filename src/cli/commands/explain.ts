/** `tenantguard explain <rule-id>`: prints the rule's documentation page. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { closestName } from '../../closest-name.js';
import { TenantguardError, UsageError } from '../../errors.js';
import type { CommandContext } from '../io.js';

async function runExplain(ruleId: string, { io }: CommandContext): Promise<void> {
  const { rules } = await import('../../rules/index.js');
  const ids = rules.map((r) => r.id);
  if (!ids.includes(ruleId)) {
    const suggestion = closestName(ruleId, ids);
    throw new UsageError(`unknown rule "${ruleId}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, 'run tenantguard rules to list them');
  }
  // docs/ ships in the package, beside src/ and dist/.
  const page = new URL(`../../../docs/rules/${ruleId}.md`, import.meta.url);
  const text = await readFile(page, 'utf8').catch(() => {
    throw new TenantguardError(`the documentation of ${ruleId} is missing from this installation`, 'reinstall tenantguard');
  });
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function registerExplain(program: Command, context: CommandContext): void {
  program
    .command('explain')
    .description('print the documentation of a rule: what it finds, why it matters in Postgres, the fix')
    .argument('<rule-id>', 'a rule id (tenantguard rules lists them)')
    .action((ruleId: string) => runExplain(ruleId, context));
}
