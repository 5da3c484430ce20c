/**
 * A schema whose owner tries to run code as whoever audits it.
 *
 * Postgres resolves an unqualified function or operator through the
 * session's search_path, and a candidate whose argument types match exactly
 * beats a pg_catalog one that needs a cast (`oid = integer`, `oid = regclass`,
 * `name !~ unknown`, a typed overload of a VARIADIC "any" function). When the
 * path lists a user schema before pg_catalog (a database or role default),
 * even exact duplicates of pg_catalog's functions win. Every object below
 * shadows something tenantguard's statements use; its body records that it
 * ran (on a server, `COPY … TO PROGRAM` writes a file — possible only with
 * the caller's superuser rights, and allowed inside a READ ONLY transaction)
 * and then raises an error carrying HOSTILE_MARKER, which fails whatever
 * statement called it on both engines.
 *
 * Usage: apply `HOSTILE_TENANT_SCHEMA` and then `hostileSchemaSql()` (both
 * engines), plus `hostileSearchPathSql(database)` on a server to make the
 * exact duplicates reachable too.
 */

export const HOSTILE_MARKER = 'tenantguard-hostile-code-ran';

/** A small, well-formed tenant schema, so every command has something to work on. */
export const HOSTILE_TENANT_SCHEMA = `
CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id), name text DEFAULT 'untitled');
CREATE INDEX ON projects (organization_id);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_access ON projects FOR ALL TO app_user
  USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
CREATE TABLE tasks (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id), project_id uuid REFERENCES projects (id),
  title text CHECK (length(title) < 200));
GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO app_user;
CREATE VIEW project_names AS SELECT id, name FROM projects;
COMMENT ON TABLE projects IS 'tenant projects';
`;

interface Shadow {
  name: string;
  args: string[];
  returns: string;
  kind?: 'function' | 'aggregate' | 'setof';
}

/**
 * Built-ins the catalog, init, scaffold, probe and embedded-engine statements
 * call, each with the argument types it is called with: exact duplicates of
 * pg_catalog's (they win when the path puts public first) and typed overloads
 * of polymorphic or VARIADIC "any" ones (they win on any path that includes
 * public, because they match more argument types exactly).
 */
const SHADOWED_FUNCTIONS: Shadow[] = [
  { name: 'set_config', args: ['text', 'text', 'boolean'], returns: 'text' },
  { name: 'current_setting', args: ['text'], returns: 'text' },
  { name: 'current_setting', args: ['text', 'boolean'], returns: 'text' },
  { name: 'current_database', args: [], returns: 'name' },
  { name: 'format_type', args: ['oid', 'integer'], returns: 'text' },
  { name: 'pg_get_expr', args: ['pg_node_tree', 'oid'], returns: 'text' },
  { name: 'pg_get_constraintdef', args: ['oid'], returns: 'text' },
  { name: 'pg_get_indexdef', args: ['oid'], returns: 'text' },
  { name: 'pg_get_viewdef', args: ['oid'], returns: 'text' },
  { name: 'pg_get_userbyid', args: ['oid'], returns: 'name' },
  { name: 'pg_get_function_identity_arguments', args: ['oid'], returns: 'text' },
  { name: 'pg_get_function_result', args: ['oid'], returns: 'text' },
  { name: 'acldefault', args: ['"char"', 'oid'], returns: 'aclitem[]' },
  { name: 'substr', args: ['text', 'integer'], returns: 'text' },
  { name: 'length', args: ['text'], returns: 'integer' },
  { name: 'strpos', args: ['text', 'text'], returns: 'integer' },
  { name: 'split_part', args: ['text', 'text', 'integer'], returns: 'text' },
  { name: 'starts_with', args: ['text', 'text'], returns: 'boolean' },
  { name: 'quote_ident', args: ['text'], returns: 'text' },
  { name: 'quote_literal', args: ['text'], returns: 'text' },
  { name: 'to_regclass', args: ['text'], returns: 'regclass' },
  { name: 'nullif', args: ['text', 'text'], returns: 'text' },
  { name: 'gen_random_uuid', args: [], returns: 'uuid' },
  { name: 'to_json', args: ['smallint[]'], returns: 'json' },
  { name: 'to_json', args: ['text[]'], returns: 'json' },
  { name: 'to_jsonb', args: ['pg_catalog.pg_auth_members'], returns: 'jsonb' },
  { name: 'json_build_object', args: ['text', 'text', 'text', 'json'], returns: 'json' },
  { name: 'json_build_object', args: ['text', 'name', 'text', 'name'], returns: 'json' },
  { name: 'json_build_object', args: ['text', 'name', 'text', 'name', 'text', 'json'], returns: 'json' },
  { name: 'jsonb_build_object', args: ['text', 'name', 'text', 'name'], returns: 'jsonb' },
  { name: 'unnest', args: ['oid[]'], returns: 'oid', kind: 'setof' },
  { name: 'unnest', args: ['smallint[]'], returns: 'smallint', kind: 'setof' },
  { name: 'unnest', args: ['text[]'], returns: 'text', kind: 'setof' },
  { name: 'pg_options_to_table', args: ['text[]'], returns: 'TABLE (option_name text, option_value text)' },
  { name: 'aclexplode', args: ['aclitem[]'], returns: 'TABLE (grantor oid, grantee oid, privilege_type text, is_grantable boolean)' },
  { name: 'json_agg', args: ['name'], returns: 'json', kind: 'aggregate' },
  { name: 'json_agg', args: ['text'], returns: 'json', kind: 'aggregate' },
  { name: 'json_agg', args: ['json'], returns: 'json', kind: 'aggregate' },
  { name: 'jsonb_agg', args: ['jsonb'], returns: 'jsonb', kind: 'aggregate' },
  { name: 'count', args: ['uuid'], returns: 'bigint', kind: 'aggregate' },
  // the probe's and the generated leak suite's statements
  { name: 'to_jsonb', args: ['public.organizations'], returns: 'jsonb' },
  { name: 'to_jsonb', args: ['public.projects'], returns: 'jsonb' },
  { name: 'to_jsonb', args: ['public.tasks'], returns: 'jsonb' },
  { name: 'has_table_privilege', args: ['text', 'text', 'text'], returns: 'boolean' },
  { name: 'array_to_json', args: ['text[]'], returns: 'json' },
  { name: 'array_append', args: ['text[]', 'text'], returns: 'text[]' },
  { name: 'format', args: ['text', 'bigint', 'bigint'], returns: 'text' },
  { name: 'format', args: ['text', 'text', 'text'], returns: 'text' },
];

/** Operators, by the operand types tenantguard's statements compare. */
const SHADOWED_OPERATORS: { op: string; left: string; right: string; returns?: string }[] = [
  // no exact pg_catalog operator: a user one wins on any path that includes its schema
  { op: '=', left: 'oid', right: 'integer' },
  { op: '=', left: 'oid', right: 'regclass' },
  { op: '=', left: 'integer', right: 'oid' },
  { op: '<>', left: 'oid', right: 'integer' },
  { op: '!~', left: 'name', right: 'name' },
  { op: '~', left: 'name', right: 'name' },
  { op: '=', left: 'name', right: 'regrole' },
  { op: '=', left: 'uuid', right: 'text' },
  { op: '=', left: 'text', right: 'uuid' },
  // exact duplicates: win when the path puts public before pg_catalog
  { op: '=', left: 'oid', right: 'oid' },
  { op: '=', left: 'name', right: 'name' },
  { op: '=', left: 'name', right: 'text' },
  { op: '=', left: '"char"', right: '"char"' },
  { op: '=', left: 'text', right: 'text' },
  { op: '=', left: 'smallint', right: 'smallint' },
  { op: '=', left: 'uuid', right: 'uuid' },
  { op: '<>', left: 'oid', right: 'oid' },
  { op: '~~', left: 'text', right: 'text' },
  { op: '||', left: 'text', right: 'text', returns: 'text' },
  { op: '>', left: 'smallint', right: 'integer' },
  { op: '>', left: 'integer', right: 'integer' },
  { op: '>', left: 'bigint', right: 'integer' },
  { op: '=', left: 'tid', right: 'tid' },
];

export interface HostileOptions {
  /**
   * Server engine only: a file the hostile code creates with
   * `COPY (SELECT 1) TO PROGRAM 'cat > …'` before raising (cat reads what COPY
   * sends, so the pipe closes cleanly). It must be in a
   * folder the server's OS user can write (e.g. /tmp itself).
   */
  markerFile?: string | null;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The hostile objects, created in schema public. Apply after the tables: nothing in the scenario may call them. */
export function hostileSchemaSql(options: HostileOptions = {}): string {
  return hostileStatements(options).map((s) => `${s};\n`).join('');
}

/** The same, one CREATE statement per entry. */
export function hostileStatements(options: HostileOptions = {}): string[] {
  const record = options.markerFile
    ? `EXECUTE ${literal(`COPY (SELECT 1) TO PROGRAM ${literal(`cat > ${options.markerFile}`)}`)};\n  `
    : '';
  const statements: string[] = [
    `CREATE FUNCTION public.tenantguard_hostile_ran(what text) RETURNS void LANGUAGE plpgsql AS $hostile$
BEGIN
  ${record}RAISE EXCEPTION '${HOSTILE_MARKER}: % ran as %', what, current_user;
END $hostile$`,
  ];
  const body = (what: string) => `$hostile$ BEGIN PERFORM public.tenantguard_hostile_ran(${literal(what)}); END $hostile$`;
  for (const [i, shadow] of SHADOWED_FUNCTIONS.entries()) {
    const what = `${shadow.name}(${shadow.args.join(', ')})`;
    if (shadow.kind === 'aggregate') {
      const step = `public.tenantguard_hostile_step_${i}`;
      statements.push(
        `CREATE FUNCTION ${step}(${shadow.returns}, ${shadow.args.join(', ')}) RETURNS ${shadow.returns} LANGUAGE plpgsql AS ${body(what)}`,
        `CREATE AGGREGATE public.${shadow.name}(${shadow.args.join(', ')}) (SFUNC = ${step}, STYPE = ${shadow.returns})`,
      );
    } else {
      const returns = shadow.kind === 'setof' ? `SETOF ${shadow.returns}` : shadow.returns;
      statements.push(`CREATE FUNCTION public.${shadow.name}(${shadow.args.join(', ')}) RETURNS ${returns} LANGUAGE plpgsql AS ${body(what)}`);
    }
  }
  for (const [i, { op, left, right, returns = 'boolean' }] of SHADOWED_OPERATORS.entries()) {
    const fn = `public.tenantguard_hostile_op_${i}`;
    statements.push(
      `CREATE FUNCTION ${fn}(${left}, ${right}) RETURNS ${returns} LANGUAGE plpgsql AS ${body(`${left} ${op} ${right}`)}`,
      `CREATE OPERATOR public.${op} (LEFTARG = ${left}, RIGHTARG = ${right}, FUNCTION = ${fn})`,
    );
  }
  return statements;
}

/** Server engine: a database default that puts public before pg_catalog, so exact duplicates win too. */
export function hostileSearchPathSql(database: string): string {
  return `ALTER DATABASE "${database.replace(/"/g, '""')}" SET search_path = public, pg_catalog`;
}
