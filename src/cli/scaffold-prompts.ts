/**
 * The questions `scaffold migration` asks on a terminal. `prompts` is loaded
 * only here, only when a person is there to answer.
 */
import { tableKey } from '../catalog/types.js';
import type { Finding } from '../check/types.js';
import { TenantguardError } from '../errors.js';
import { findingTableKey, isActionable } from '../scaffold/migration/select.js';
import { displayName } from '../sql/quote.js';
import type { MigrationSettings as Settings } from '../scaffold/migration/index.js';
import type { HeldKind, ReviewKind } from '../scaffold/migration/types.js';
import type { Tenancy } from '../tenancy/types.js';

async function ask<T extends string>(questions: import('prompts').PromptObject<T>[]): Promise<import('prompts').Answers<T>> {
  const prompts = (await import('prompts')).default;
  let cancelled = false;
  const answers = await prompts(questions, {
    onCancel: () => {
      cancelled = true;
      return false;
    },
  });
  if (cancelled) throw new TenantguardError('cancelled: nothing written');
  return answers;
}

const nonEmpty = (value: string) => (value.trim() === '' ? 'Required' : true);

export async function promptSettings(settings: Settings, candidates: readonly string[]): Promise<Settings> {
  const roleChoices = [...new Set([...(settings.appRole ? [settings.appRole] : []), ...candidates])];
  const answers = await ask([
    { type: 'text', name: 'tenantColumn', message: 'Tenant column', initial: settings.tenantColumn, validate: nonEmpty },
    { type: 'text', name: 'contextSetting', message: 'Setting the app puts the tenant in (set_config)', initial: settings.contextSetting, validate: nonEmpty },
    roleChoices.length > 0
      ? {
          type: 'select',
          name: 'appRole',
          message: 'Role the app connects as (policies apply TO it)',
          choices: roleChoices.map((r) => ({ title: r, value: r })),
          initial: 0,
        }
      : { type: 'text', name: 'appRole', message: 'Role the app connects as (policies apply TO it)', validate: nonEmpty },
  ]);
  return {
    tenantColumn: String(answers.tenantColumn).trim(),
    contextSetting: String(answers.contextSetting).trim(),
    appRole: String(answers.appRole).trim(),
  };
}

/** Multi-select of the tenant tables, the flagged ones pre-selected. */
export async function promptTables(tenancy: Tenancy, findings: readonly Finding[]): Promise<string[]> {
  const rulesByTable = new Map<string, Set<string>>();
  for (const f of findings.filter(isActionable)) {
    const key = findingTableKey(f);
    if (key === null) continue;
    rulesByTable.set(key, (rulesByTable.get(key) ?? new Set()).add(f.rule));
  }
  const tables = tenancy.tenantTables.filter((t) => t.table.kind !== 'foreign-table');
  const answers = await ask([
    {
      type: 'multiselect',
      name: 'tables',
      message: 'Tables to fix',
      choices: tables.map(({ table }) => {
        const rules = rulesByTable.get(tableKey(table));
        return {
          title: displayName(table.schema, table.name),
          description: rules ? [...rules].sort().join(', ') : 'no findings',
          value: `${table.schema}.${table.name}`,
          selected: rules !== undefined,
        };
      }),
      min: 1,
      instructions: false,
      hint: 'space to toggle, enter to confirm',
    },
  ]);
  return answers.tables as unknown as string[];
}

export async function confirmWrite(summary: string): Promise<boolean> {
  const answers = await ask([{ type: 'confirm', name: 'write', message: `Write ${summary}?`, initial: true }]);
  return Boolean(answers.write);
}

/**
 * One question per behaviour-changing kind the plan holds back, default No:
 * what steps of that kind take away and the objects they would change. The
 * kinds answered yes are written as statements, as with --include.
 */
export async function promptIncludeKinds(held: readonly HeldKind[]): Promise<ReviewKind[]> {
  const answers = await ask(
    held.map((h) => ({
      type: 'confirm' as const,
      name: h.kind,
      message: `Write the ${h.kind} ${h.objects.length === 1 ? 'step' : 'steps'} as statements (behaviour-changing: ${h.reason})?\n  ${h.objects.join('\n  ')}\n`,
      initial: false,
    })),
  );
  return held.filter((h) => answers[h.kind] === true).map((h) => h.kind);
}
