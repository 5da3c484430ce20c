/**
 * The rule registry: every rule, explicitly. Adding a rule = one import and
 * one entry below (test/rules/registry.test.ts keeps files, registry, docs and
 * tests in step).
 */
import migrationDisablesRls from './migration-disables-rls.js';
import probeCrossTenantRead from './probe-cross-tenant-read.js';
import probeCrossTenantWrite from './probe-cross-tenant-write.js';
import rlsDisabled from './rls-disabled.js';
import rlsEnabledNoPolicy from './rls-enabled-no-policy.js';
import rlsNotForced from './rls-not-forced.js';
import tenantColumnMissing from './tenant-column-missing.js';
import tenantColumnNullable from './tenant-column-nullable.js';
import readNotTenantScoped from './read-not-tenant-scoped.js';
import withCheckMissing from './with-check-missing.js';
import writeCheckNotTenantScoped from './write-check-not-tenant-scoped.js';
import type { Rule } from './types.js';

export const rules: readonly Rule[] = [
  tenantColumnMissing,
  rlsDisabled,
  rlsNotForced,
  rlsEnabledNoPolicy,
  tenantColumnNullable,
  migrationDisablesRls,
  probeCrossTenantRead,
  probeCrossTenantWrite,
  withCheckMissing,
  readNotTenantScoped,
  writeCheckNotTenantScoped,
];

export function findRule(id: string): Rule | undefined {
  return rules.find((rule) => rule.id === id);
}
