/**
 * The rule registry: every rule, explicitly. Adding a rule = one import and
 * one entry below (test/rules/registry.test.ts keeps files, registry, docs and
 * tests in step).
 */
import contextCastFailsOnEmpty from './context-cast-fails-on-empty.js';
import contextFailOpen from './context-fail-open.js';
import contextNotWrapped from './context-not-wrapped.js';
import crossTenantForeignKey from './cross-tenant-foreign-key.js';
import foreignTableTenant from './foreign-table-tenant.js';
import materializedViewExposesTenant from './materialized-view-exposes-tenant.js';
import migrationDisablesRls from './migration-disables-rls.js';
import offlineTableSkipped from './offline-table-skipped.js';
import partitionRlsDisabled from './partition-rls-disabled.js';
import policyAlwaysTrue from './policy-always-true.js';
import policyBypassSetting from './policy-bypass-setting.js';
import policyCastsTenantColumn from './policy-casts-tenant-column.js';
import policyNullPredicate from './policy-null-predicate.js';
import policyToPublic from './policy-to-public.js';
import probeCrossTenantRead from './probe-cross-tenant-read.js';
import probeCrossTenantWrite from './probe-cross-tenant-write.js';
import readNotTenantScoped from './read-not-tenant-scoped.js';
import rlsDisabled from './rls-disabled.js';
import rlsEnabledNoPolicy from './rls-enabled-no-policy.js';
import rlsNotForced from './rls-not-forced.js';
import roleBypassesRls from './role-bypasses-rls.js';
import rootTableRlsDisabled from './root-table-rls-disabled.js';
import schemaSearchPathCrossing from './schema-search-path-crossing.js';
import schemaTenantCrossing from './schema-tenant-crossing.js';
import schemaTenantSharedRole from './schema-tenant-shared-role.js';
import securityDefinerFunction from './security-definer-function.js';
import storageRealtimeOpen from './storage-realtime-open.js';
import storageRealtimeUnscoped from './storage-realtime-unscoped.js';
import tenantColumnMissing from './tenant-column-missing.js';
import tenantColumnNullable from './tenant-column-nullable.js';
import tenantColumnUnindexed from './tenant-column-unindexed.js';
import tenantContextDefault from './tenant-context-default.js';
import truncateGranted from './truncate-granted.js';
import uniqueNotTenantScoped from './unique-not-tenant-scoped.js';
import viewBypassesRls from './view-bypasses-rls.js';
import withCheckMissing from './with-check-missing.js';
import writeCheckNotTenantScoped from './write-check-not-tenant-scoped.js';
import type { Rule } from './types.js';

export const rules: readonly Rule[] = [
  tenantColumnMissing,
  rlsDisabled,
  rootTableRlsDisabled,
  rlsNotForced,
  rlsEnabledNoPolicy,
  tenantColumnNullable,
  migrationDisablesRls,
  offlineTableSkipped,
  probeCrossTenantRead,
  probeCrossTenantWrite,
  withCheckMissing,
  readNotTenantScoped,
  writeCheckNotTenantScoped,
  policyAlwaysTrue,
  policyBypassSetting,
  contextFailOpen,
  policyToPublic,
  policyNullPredicate,
  storageRealtimeOpen,
  storageRealtimeUnscoped,
  roleBypassesRls,
  viewBypassesRls,
  materializedViewExposesTenant,
  securityDefinerFunction,
  partitionRlsDisabled,
  foreignTableTenant,
  truncateGranted,
  tenantContextDefault,
  schemaTenantCrossing,
  schemaSearchPathCrossing,
  schemaTenantSharedRole,
  crossTenantForeignKey,
  uniqueNotTenantScoped,
  tenantColumnUnindexed,
  policyCastsTenantColumn,
  contextNotWrapped,
  contextCastFailsOnEmpty,
];

export function findRule(id: string): Rule | undefined {
  return rules.find((rule) => rule.id === id);
}
