/**
 * The fixtures/leaks matrix in one database: the isolated schema and each
 * planted leak, every one in its own schema (roles are cluster-wide, so they
 * share the role app_user). One database keeps the embedded engine's boot
 * cost to one instance per test file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './db.js';

const LEAKS = fileURLToPath(new URL('../../fixtures/leaks/', import.meta.url));

export interface LeakScenario {
  /** File name without .sql; `isolated` has no leak. */
  name: string;
  schema: string;
  /** The table the leak is planted in, null for the isolated schema. */
  table: string | null;
  /** The SQL commands through which the leak shows (at least one must be reported). */
  commands: string[];
}

export const LEAK_SCENARIOS: readonly LeakScenario[] = [
  { name: 'isolated', schema: 'isolated', table: null, commands: [] },
  { name: 'rls-disabled', schema: 'leak_rls_disabled', table: 'projects', commands: ['SELECT', 'UPDATE', 'DELETE', 'INSERT'] },
  { name: 'force-missing-app-owner', schema: 'leak_force_missing', table: 'tasks', commands: ['SELECT', 'UPDATE', 'DELETE', 'INSERT', 'TRUNCATE'] },
  { name: 'fallback-check-misses-tenant', schema: 'leak_fallback_check', table: 'tasks', commands: ['UPDATE'] },
  { name: 'insert-check-true', schema: 'leak_insert_check_true', table: 'projects', commands: ['INSERT'] },
  { name: 'select-using-true', schema: 'leak_select_using_true', table: 'projects', commands: ['SELECT'] },
  { name: 'superadmin-setting-bypass', schema: 'leak_superadmin_setting', table: 'projects', commands: ['SELECT'] },
  { name: 'update-policy-looser-than-select', schema: 'leak_update_looser', table: 'projects', commands: ['UPDATE'] },
  { name: 'admin-switch-cast', schema: 'leak_admin_switch_cast', table: 'tasks', commands: ['INSERT', 'UPDATE', 'SELECT'] },
];

export function scenarioSql(name: string): string {
  return readFileSync(`${LEAKS}${name}.sql`, 'utf8');
}

/** Creates role app_user and every scenario's schema. */
export async function applyLeakScenarios(db: TestDatabase, scenarios: readonly LeakScenario[] = LEAK_SCENARIOS): Promise<void> {
  await db.exec('CREATE ROLE app_user');
  const isolated = scenarioSql('isolated');
  for (const scenario of scenarios) {
    const leak = scenario.name === 'isolated' ? '' : scenarioSql(scenario.name);
    await db.exec(
      `CREATE SCHEMA ${scenario.schema}; GRANT USAGE ON SCHEMA ${scenario.schema} TO app_user;
       SET search_path = ${scenario.schema}, public;
       ${isolated}
       ${leak}
       RESET search_path;`,
    );
  }
}
