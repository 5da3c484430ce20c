import { displayName } from '../sql/quote.js';
import { schemaTenancy, shortList } from '../tenancy/schema-tenants.js';
import { defineRule } from './define-rule.js';

/**
 * The layout django-tenants, the apartment gem and most schema-per-tenant
 * apps use: one role for every tenant, the tenant chosen by the search_path
 * the app sets per request. Nothing to fix in the database, so info — but the
 * report should say where isolation rests. Only roles a session logs in as
 * (and the configured app role) are named: the group roles they inherit
 * from are the same fact.
 */
export default defineRule({
  id: 'schema-tenant-shared-role',
  title: 'One role serves every tenant schema',
  defaultSeverity: 'info',
  description:
    'In a schema-per-tenant layout, a login role reaches every tenant schema: the database does not keep its sessions apart; the search_path the app sets per request does.',
  check(ctx) {
    const layout = schemaTenancy(ctx);
    if (layout === null || layout.schemas.length < 2) return [];
    return layout.roles
      .filter((entry) => entry.kind === 'shared' && entry.reaches.length > 1)
      .filter((entry) => entry.role === ctx.tenancy.appRole || (ctx.tenancy.roles.roles.get(entry.role)?.canLogin ?? false))
      .map((entry) => {
        const role = displayName(null, entry.role);
        const schemas = entry.reaches.map((r) => displayName(null, r.schema.name));
        const relations = entry.reaches.reduce((n, r) => n + r.relations.length, 0);
        return {
          object: { kind: 'role' as const, schema: null, name: entry.role },
          message:
            `${role} reaches ${entry.reaches.length} of the ${layout.schemas.length} tenant schemas (${shortList(schemas)}), with row privileges on ${relations} relations: ` +
            `isolation between tenants rests on the search_path the app sets for each request (SET LOCAL search_path inside the request's transaction) ` +
            `and on no query naming another tenant's schema — the database itself lets every session of ${role} read every tenant`,
        };
      });
  },
});
