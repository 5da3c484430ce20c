import type { Catalog } from '../catalog/types.js';
import type { Config } from '../config/types.js';
import type { RuleContext } from '../rules/types.js';
import { buildTenancy } from '../tenancy/build.js';
import { analyzePolicies } from '../tenancy/effective.js';

/**
 * Everything rules look at, derived once per audit from the catalog. Async so
 * that analyses needing a lazily loaded module (the Postgres parser) can be
 * prepared here, keeping every rule's check pure and synchronous.
 */
export async function buildRuleContext(catalog: Catalog, config: Config): Promise<RuleContext> {
  const tenancy = buildTenancy(catalog, config);
  const policies = await analyzePolicies(catalog, tenancy);
  return { catalog, tenancy, config, policies };
}
