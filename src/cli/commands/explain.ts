/** `tenantguard explain <rule-id>`: prints the rule's documentation page. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TenantguardError, UsageError } from '../../errors.js';
import type { CommandContext } from '../io.js';

/** The closest rule id by edit distance, for "did you mean". */
function closest(id: string, ids: readonly string[]): string | null {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  const ranked = ids.map((candidate) => ({ candidate, d: distance(id, candidate) })).sort((x, y) => x.d - y.d)[0];
  return ranked && ranked.d <= Math.max(3, Math.floor(id.length / 3)) ? ranked.candidate : null;
}

async function runExplain(ruleId: string, { io }: CommandContext): Promise<void> {
  const { rules } = await import('../../rules/index.js');
  const ids = rules.map((r) => r.id);
  if (!ids.includes(ruleId)) {
    const suggestion = closest(ruleId, ids);
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
