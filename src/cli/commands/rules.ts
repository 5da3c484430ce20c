import { Option, type Command } from 'commander';
import type { CommandContext } from '../io.js';

interface RulesFlags {
  format: 'pretty' | 'json';
}

async function runRulesCommand(flags: RulesFlags, { io }: CommandContext): Promise<void> {
  const { rules } = await import('../../rules/index.js');
  const sorted = [...rules].sort((a, b) => a.id.localeCompare(b.id));
  if (flags.format === 'json') {
    const list = sorted.map(({ id, defaultSeverity, title, description }) => ({
      id,
      defaultSeverity,
      title,
      description,
      docs: `docs/rules/${id}.md`,
    }));
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  const idWidth = Math.max(...sorted.map((rule) => rule.id.length), 'RULE'.length);
  const lines = [`${'RULE'.padEnd(idWidth)}  SEVERITY  TITLE`];
  for (const rule of sorted) lines.push(`${rule.id.padEnd(idWidth)}  ${rule.defaultSeverity.padEnd(8)}  ${rule.title}`);
  lines.push('', `${sorted.length} rules. Change a severity or turn a rule off in tenantguard.config.json "rules".`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

export function registerRules(program: Command, context: CommandContext): void {
  program
    .command('rules')
    .description('list the rules: id, default severity, title')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action((flags: RulesFlags) => runRulesCommand(flags, context));
}
