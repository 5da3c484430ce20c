import type { Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { forceRls } from '../sql/statements.js';
import { describeNoAccess } from '../tenancy/describe.js';
import { PUBLIC, isSuperuser, ownerAccess, reachingRoles, rlsBypass } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

const name = (role: string) => displayName(null, role);

/** Why `role` is exempt as the owner; null when it is not. Superuser/BYPASSRLS is noted: FORCE does not bind those. */
function exemption(tenancy: Tenancy, role: string, table: Table): string | null {
  const access = ownerAccess(tenancy.roles, role, table);
  if (access === null) return null;
  const owner = name(table.owner);
  const how = {
    owner: `${name(role)} owns it`,
    'member-of-owner': `${name(role)} is a member of its owner ${owner} with INHERIT, so Postgres treats it as the owner`,
    'can-set-role-to-owner': `${name(role)} can SET ROLE ${owner}, its owner`,
  }[access];
  const bypass = rlsBypass(tenancy.roles, role);
  if (bypass === null) return how;
  const via = bypass.via === role ? '' : ` through SET ROLE ${name(bypass.via)}`;
  return `${how} (and it also bypasses RLS as ${bypass.attribute.toUpperCase()}${via}, which FORCE does not stop)`;
}

function problemFor(tenancy: Tenancy, table: Table): Problem {
  const target = displayName(table.schema, table.name);
  const object = { kind: 'table' as const, schema: table.schema, name: table.name };
  const fix = { title: `Force row level security on ${target}`, sql: forceRls(table) };
  const roles = reachingRoles(tenancy, table).filter((r) => r !== PUBLIC);
  const exemptRoles = roles.filter((role) => exemption(tenancy, role, table) !== null);
  if (exemptRoles.length > 0) {
    return {
      object,
      severity: 'error',
      // role-bypasses-rls reports the same exemption on each role, with FORCE for every table it owns
      causes: exemptRoles.map((role) => ({ kind: 'role' as const, schema: null, name: role })),
      impact: `${target} is not forced: ${exemptRoles.map((role) => exemption(tenancy, role, table)).join('; ')}`,
      message:
        `row level security on ${target} is enabled but not forced, and ${exemptRoles.map((role) => exemption(tenancy, role, table)).join('; ')}: ` +
        `the owner is exempt from the table's policies, so that role reads and writes every tenant's rows`,
      fix,
    };
  }
  const today =
    roles.length > 0
      ? `today none of the roles that reach it (${roles.map(name).join(', ')}) acts as the owner`
      : describeNoAccess(tenancy, table);
  if (isSuperuser(tenancy.roles, table.owner)) {
    // FORCE binds the owner only as the owner; a superuser skips every policy by attribute (postgres-rls.md#bypassrls)
    return {
      object,
      severity: 'warning',
      message:
        `row level security on ${target} is enabled but not forced, and its owner ${name(table.owner)} is a superuser: ` +
        `FORCE ROW LEVEL SECURITY would not restrain ${name(table.owner)}, which skips every policy with or without it, only ` +
        `the roles that inherit ${name(table.owner)}'s privileges; ${today}. To have the policies bind, run the app as a ` +
        'role that is neither superuser nor BYPASSRLS and does not own the tables, and let a non-superuser migration role own them',
      fix,
    };
  }
  return {
    object,
    severity: 'warning',
    message:
      `row level security on ${target} is enabled but not forced: its owner ${name(table.owner)} and members of it ` +
      `with INHERIT are exempt from the table's policies and read and write every tenant's rows; ${today}`,
    fix,
  };
}

export default defineRule({
  id: 'rls-not-forced',
  title: 'Row level security not forced',
  defaultSeverity: 'error',
  description: 'Without FORCE ROW LEVEL SECURITY the table owner and members of the owner role bypass every policy.',
  check({ tenancy }) {
    return tenancy.tenantTables
      .filter(({ table }) => table.kind !== 'foreign-table' && table.rlsEnabled && !table.rlsForced)
      .map(({ table }) => problemFor(tenancy, table));
  },
});
