/**
 * Which objects a migration statement acts on, read from its Postgres parse
 * tree: the relation it creates, alters, grants on or drops, the policies it
 * creates, alters or drops, the functions it defines or grants, and the roles
 * it changes. Only targets count — a view's query reading a table does not
 * touch that table — so a change is pinned on the statement that made it.
 */
import { nodeAs, stringsOf, tagged, type Node, type RangeVar } from '../sql/parse-tree.js';

export interface RelationName {
  /** null when the statement leaves it unqualified. */
  schema: string | null;
  /** `*` for every table of the schema (GRANT … ON ALL TABLES IN SCHEMA). */
  name: string;
}

export interface Touches {
  relations: RelationName[];
  /** Policies, with the relation they are on. */
  policies: (RelationName & { policy: string })[];
  /** Function names (unqualified). */
  functions: string[];
  roles: string[];
}

const RELATION_OBJECTS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

function fromRangeVar(r: RangeVar | undefined): RelationName[] {
  return r?.relname ? [{ schema: r.schemaname ?? null, name: r.relname }] : [];
}

function fromNames(names: string[]): RelationName {
  return { schema: names.length > 1 ? names[names.length - 2]! : null, name: names[names.length - 1]! };
}

/** The names of a DROP or COMMENT object: a List of String nodes. */
function listNames(node: Node | undefined): string[] {
  return stringsOf(nodeAs(node, 'List')?.items);
}

function functionName(node: Node | undefined): string[] {
  const names = stringsOf(nodeAs(node, 'ObjectWithArgs')?.objname);
  return names.length > 0 ? [names[names.length - 1]!] : [];
}

/** Every role a RoleSpec (or a granted role) names anywhere in the tree. */
function rolesIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => rolesIn(v, out));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.rolename === 'string') out.add(record.rolename);
    Object.values(record).forEach((v) => rolesIn(v, out));
  }
  return out;
}

export function touchesOf(stmt: Node): Touches {
  const touches: Touches = { relations: [], policies: [], functions: [], roles: [] };
  const t = tagged(stmt);
  switch (t.tag) {
    case 'CreateStmt':
    case 'AlterTableStmt':
    case 'IndexStmt':
    case 'CreateTrigStmt':
    case 'RuleStmt':
      touches.relations.push(...fromRangeVar(t.fields.relation));
      break;
    case 'ViewStmt':
      touches.relations.push(...fromRangeVar(t.fields.view));
      break;
    case 'CreateTableAsStmt':
      touches.relations.push(...fromRangeVar(t.fields.into?.rel));
      break;
    case 'RenameStmt':
    case 'AlterObjectSchemaStmt':
      touches.relations.push(...fromRangeVar(t.fields.relation));
      if (t.tag === 'RenameStmt' && t.fields.renameType === 'OBJECT_POLICY' && t.fields.relation?.relname) {
        const on = fromRangeVar(t.fields.relation)[0]!;
        touches.policies.push({ ...on, policy: t.fields.subname ?? '' }, { ...on, policy: t.fields.newname ?? '' });
      }
      if (t.tag === 'RenameStmt' && t.fields.renameType === 'OBJECT_FUNCTION') touches.functions.push(...functionName(t.fields.object));
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt': {
      const on = fromRangeVar(t.fields.table);
      touches.relations.push(...on);
      if (on[0]) touches.policies.push({ ...on[0], policy: t.fields.policy_name ?? '' });
      break;
    }
    case 'GrantStmt':
      for (const object of t.fields.objects ?? []) {
        if (t.fields.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') {
          const schema = nodeAs(object, 'String')?.sval;
          if (schema && t.fields.objtype === 'OBJECT_TABLE') touches.relations.push({ schema, name: '*' });
        } else if (t.fields.objtype === 'OBJECT_TABLE') touches.relations.push(...fromRangeVar(nodeAs(object, 'RangeVar')));
        else if (t.fields.objtype === 'OBJECT_FUNCTION' || t.fields.objtype === 'OBJECT_ROUTINE') touches.functions.push(...functionName(object));
      }
      break;
    case 'DropStmt':
      for (const object of t.fields.objects ?? []) {
        const names = listNames(object);
        if (RELATION_OBJECTS.has(t.fields.removeType ?? '') && names.length > 0) touches.relations.push(fromNames(names));
        else if (t.fields.removeType === 'OBJECT_POLICY' && names.length >= 2) {
          const on = fromNames(names.slice(0, -1));
          touches.relations.push(on);
          touches.policies.push({ ...on, policy: names[names.length - 1]! });
        } else if (t.fields.removeType === 'OBJECT_FUNCTION' || t.fields.removeType === 'OBJECT_ROUTINE') touches.functions.push(...functionName(object));
      }
      break;
    case 'CommentStmt': {
      const names = listNames(t.fields.object);
      if (RELATION_OBJECTS.has(t.fields.objtype ?? '') && names.length > 0) touches.relations.push(fromNames(names));
      break;
    }
    case 'CreateFunctionStmt': {
      const names = stringsOf(t.fields.funcname);
      if (names.length > 0) touches.functions.push(names[names.length - 1]!);
      break;
    }
    case 'AlterFunctionStmt':
      touches.functions.push(...stringsOf(t.fields.func?.objname).slice(-1));
      break;
    case 'AlterOwnerStmt':
      if (t.fields.objectType === 'OBJECT_FUNCTION' || t.fields.objectType === 'OBJECT_ROUTINE') touches.functions.push(...functionName(t.fields.object));
      break;
    case 'GrantRoleStmt':
      for (const granted of t.fields.granted_roles ?? []) {
        const name = nodeAs(granted, 'AccessPriv')?.priv_name;
        if (name) touches.roles.push(name);
      }
      break;
    case 'CreateRoleStmt':
      if (t.fields.role) touches.roles.push(t.fields.role);
      break;
    default:
      break;
  }
  touches.roles.push(...rolesIn(stmt, new Set()));
  touches.roles = [...new Set(touches.roles)];
  return touches;
}

/** The statement acts on the relation `schema.name` (an unqualified name matches any schema). */
export function touchesRelation(touches: Touches, schema: string, name: string): boolean {
  return touches.relations.some((r) => (r.schema === null || r.schema === schema) && (r.name === name || r.name === '*'));
}

export function touchesPolicy(touches: Touches, schema: string, table: string, policies: readonly string[]): boolean {
  return touches.policies.some((p) => (p.schema === null || p.schema === schema) && p.name === table && policies.includes(p.policy));
}
