import { displayName } from '../sql/quote.js';
import { revoke, revokeSchema } from '../sql/statements.js';
import { PUBLIC } from '../tenancy/roles.js';
import { routeText, shortList, type RelationAccess, type SchemaReach, type SchemaTenancy, type TenantSchemaRole, schemaTenancy } from '../tenancy/schema-tenants.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

const name = (role: string) => (role === PUBLIC ? 'every role (PUBLIC)' : displayName(null, role));
const relationName = (schema: string, a: RelationAccess) => displayName(schema, a.relation.name);

function accessText(schema: string, accesses: readonly RelationAccess[]): string {
  const parts = accesses.map((a) => `${a.privileges.join('/')}${a.columnsOnly ? ' (some columns)' : ''} on ${relationName(schema, a)} (${routeText(a.route)})`);
  return shortList(parts, 3);
}

/** REVOKEs of what was granted to `grantee` itself: membership and SET ROLE routes are named in the message, not undone blindly. */
function revokeFix(grantee: string, reach: SchemaReach): Fix | null {
  const own = grantee === PUBLIC ? 'public' : 'own';
  const statements: string[] = [];
  if (reach.usage.kind === own) statements.push(revokeSchema(reach.schema.name, [grantee]));
  // an object the holder owns keeps its owner's rights; without USAGE on the schema it is out of reach all the same
  for (const a of reach.relations) if (a.route.kind === own && a.unproven !== 'own-object') statements.push(revoke('ALL', { schema: reach.schema.name, name: a.relation.name }, [grantee]));
  if (statements.length === 0) return null;
  const who = grantee === PUBLIC ? 'PUBLIC' : displayName(null, grantee);
  return { title: `Revoke ${who}'s access to tenant schema ${displayName(null, reach.schema.name)}`, sql: statements.join('\n') };
}

/** One role's (or PUBLIC's) reach into one tenant schema that is not its own. */
function crossing(layout: SchemaTenancy, holder: string, reach: SchemaReach, whose: string): Problem {
  const schema = reach.schema.name;
  const proven = reach.relations.filter((a) => a.unproven === null);
  const filtered = reach.relations.filter((a) => a.unproven !== null);
  const why = filtered.some((a) => a.unproven === 'rls')
    ? 'only the row level security policies there (not judged in a schema-per-tenant audit) decide which rows it sees'
    : filtered.some((a) => a.unproven === 'view')
      ? "a view's rows are whatever its definition selects, which may not be that tenant's"
      : "it owns those objects itself, so they hold that tenant's rows only when its sessions write into them through an unqualified name";
  const usage = `USAGE on tenant schema ${displayName(null, schema)} (${routeText(reach.usage)})`;
  const create = reach.create ? ` and CREATE (${routeText(reach.create)})` : '';
  const base = { object: { kind: 'schema' as const, schema: null, name: schema }, key: holder, fix: revokeFix(holder, reach) };
  if (proven.length > 0) {
    return {
      ...base,
      message:
        `${name(holder)}${whose} holds ${usage}${create} and ${accessText(schema, proven)}: ` +
        `it reads or writes another tenant's rows, and no row level security applies to it there`,
      impact: `${name(holder)} reaches the rows of tenant schema ${displayName(null, schema)}`,
    };
  }
  if (filtered.length > 0) {
    return {
      ...base,
      severity: 'warning',
      message:
        `could not prove that ${name(holder)}${whose} stays out of another tenant's rows: it holds ${usage}${create} and ${accessText(schema, filtered)}, ` +
        `and ${why}`,
    };
  }
  return {
    ...base,
    severity: 'warning',
    message:
      `${name(holder)}${whose} holds ${usage}${create} but no privilege on its tables yet: one GRANT … ON ALL TABLES IN SCHEMA ` +
      `(or ALTER DEFAULT PRIVILEGES) to it reaches that tenant's rows` +
      (reach.create ? ', and with CREATE it can place objects an unqualified name in that tenant\'s sessions resolves to' : ''),
  };
}

function tenantRoleProblems(layout: SchemaTenancy, entry: TenantSchemaRole): Problem[] {
  const own = entry.own.map((s) => displayName(null, s)).join(', ');
  return entry.reaches
    .filter((reach) => !entry.own.includes(reach.schema.name))
    .map((reach) => crossing(layout, entry.role, reach, `, the tenant role of ${own},`));
}

function unknownRoleProblem(layout: SchemaTenancy, entry: TenantSchemaRole): Problem {
  const schemas = entry.reaches.map((r) => displayName(null, r.schema.name));
  const rows = entry.reaches.filter((r) => r.relations.length > 0).length;
  const why =
    entry.own.length > 0
      ? `it is the tenant role of ${entry.own.map((s) => displayName(null, s)).join(', ')} but reaches every tenant schema, as a role serving all tenants would`
      : 'it owns none of them and none is named after it';
  return {
    object: { kind: 'role', schema: null, name: entry.role },
    severity: 'warning',
    message:
      `could not prove that ${name(entry.role)} belongs to one tenant: it holds USAGE on ${entry.reaches.length} of the ${layout.schemas.length} ` +
      `tenant schemas (${shortList(schemas)})${rows > 0 ? `, with row privileges in ${rows} of them` : ''}; ${why} — ` +
      "if it is one tenant's role, revoke the others; if it serves every tenant, set it as appRole",
  };
}

/**
 * Tenant roles reaching another tenant's schema (one problem per role and
 * schema), PUBLIC reaching a tenant schema, and roles that reach several
 * tenant schemas without any being known to be theirs.
 */
export default defineRule({
  id: 'schema-tenant-crossing',
  title: "Role reaches another tenant's schema",
  defaultSeverity: 'error',
  description:
    "In a schema-per-tenant layout, a tenant's role (or PUBLIC) holds USAGE on another tenant's schema and a privilege on its tables: it reads or writes that tenant's rows.",
  check(ctx) {
    const layout = schemaTenancy(ctx);
    if (layout === null || layout.schemas.length < 2) return [];
    return layout.roles.flatMap((entry): Problem[] => {
      if (entry.role === PUBLIC) return entry.reaches.map((reach) => crossing(layout, PUBLIC, reach, ", every other tenant's role included,"));
      if (entry.kind === 'tenant') return tenantRoleProblems(layout, entry);
      if (entry.kind === 'unknown' && entry.reaches.length > 1) return [unknownRoleProblem(layout, entry)];
      return [];
    });
  },
});
