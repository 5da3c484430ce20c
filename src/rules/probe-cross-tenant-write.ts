import { defineRule } from './define-rule.js';

/**
 * Runtime evidence, not a catalog verdict: `tenantguard probe` and
 * `audit --probe` run real UPDATE, DELETE and INSERT statements as the app
 * role inside a transaction that is rolled back (src/probe/), and report
 * through this rule. From the catalog alone it reports nothing.
 */
export default defineRule({
  id: 'probe-cross-tenant-write',
  title: "Live probe: one organization changed another organization's rows",
  defaultSeverity: 'error',
  description:
    "A write run by the probe as the app role changed, deleted, created or moved a row of another organization, or the app role may TRUNCATE a tenant table.",
  check() {
    return [];
  },
});
