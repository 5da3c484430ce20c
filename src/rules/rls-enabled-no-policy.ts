import { displayName } from '../sql/quote.js';
import { defineRule } from './define-rule.js';

export default defineRule({
  id: 'rls-enabled-no-policy',
  title: 'Row level security enabled without a policy (deny-all)',
  defaultSeverity: 'info',
  description:
    'Row level security is on but no policy exists, so every command is denied to the roles RLS applies to: not a leak, but the table is unusable to them.',
  check({ tenancy }) {
    return tenancy.tenantTables
      .filter(({ table }) => table.kind !== 'foreign-table' && table.rlsEnabled && table.policies.length === 0)
      .map(({ table }) => {
        const owner = displayName(null, table.owner);
        // Without FORCE the owner (and members of it with INHERIT) are not subject to RLS at all.
        const exempt = table.rlsForced
          ? 'only superusers and BYPASSRLS roles are exempt'
          : `its owner ${owner}, members of ${owner} with INHERIT, superusers and BYPASSRLS roles are exempt`;
        return {
          object: { kind: 'table' as const, schema: table.schema, name: table.name },
          message:
            `row level security is enabled on ${displayName(table.schema, table.name)} but it has no policy: for every role ` +
            `RLS applies to, SELECT, UPDATE and DELETE see no row and every INSERT fails (deny-all, not a leak); ${exempt}`,
          fix: null,
        };
      });
  },
});
