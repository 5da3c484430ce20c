import { defineRule } from './define-rule.js';

/**
 * Runtime evidence, not a catalog verdict: `tenantguard probe` and
 * `audit --probe` run real SELECTs as the app role (src/probe/) and report
 * through this rule. From the catalog alone it reports nothing.
 */
export default defineRule({
  id: 'probe-cross-tenant-read',
  title: "Live probe: one organization read another organization's rows",
  defaultSeverity: 'error',
  description:
    "A SELECT run by the probe as the app role returned another organization's row (or, without a tenant context, any row).",
  check() {
    return [];
  },
});
