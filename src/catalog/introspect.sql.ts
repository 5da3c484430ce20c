/**
 * The one catalog statement. Every per-table detail is pre-aggregated in a CTE
 * grouped by relation (hash joins, not one lookup per table), so the cost
 * grows with the catalog, not with round trips. $1 = schema filter (text[]
 * or NULL for every non-system schema); $2 = the tenant-schema pattern (an
 * anchored regular expression made from the `schemaPerTenant` glob by
 * sql/glob.ts, or NULL); both are parameters, never interpolated. It returns
 * one json column, \`catalog\`: the first row holds everything but the tables,
 * each further row one table, in (schema, name) order.
 *
 * Version notes: pg_auth_members.inherit_option / set_option exist from PG 16;
 * they are read through to_jsonb() so the same text runs on PG 13+ (before 16,
 * membership inheritance follows the member's rolinherit and SET is always allowed).
 *
 * No user schema is needed and none can take part: every relation and
 * function is qualified with pg_catalog, and every operator either has
 * operands of exactly the types of a pg_catalog operator (oid with oid, not
 * oid with integer or regclass, which a user's exact-match operator would
 * win) or is named OPERATOR(pg_catalog.…). It is also only ever sent with
 * search_path pinned to pg_catalog, pg_temp (src/db/transaction.ts).
 */
import { TENANT_SCHEMA_CTES, TENANT_SCHEMAS_JSON } from './tenant-schemas.sql.js';

/** The oid of a system catalog, as an oid (not a regclass, which would need a cast to compare). */
const catalogOid = (name: string) => `'pg_catalog.${name}'::pg_catalog.regclass::pg_catalog.oid`;

export const CATALOG_QUERY = /* sql */ `
WITH params AS (
  SELECT $1::pg_catalog.text[] AS wanted, $2::pg_catalog.text AS tenant_pattern
),
ns AS (
  SELECT n.oid, n.nspname
  FROM pg_catalog.pg_namespace n, params
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast|temp_|toast_temp_)'
    AND (params.wanted IS NULL OR n.nspname = ANY (params.wanted))
),
rels AS (
  SELECT c.oid, c.relname, c.relkind, c.relowner, c.relacl, c.reloptions, c.relrowsecurity,
         c.relforcerowsecurity, c.relispartition, c.reltuples, ns.nspname
  FROM pg_catalog.pg_class c
  JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
),
descr AS (
  SELECT d.objoid, d.description
  FROM pg_catalog.pg_description d
  JOIN rels ON rels.oid = d.objoid
  WHERE d.classoid = ${catalogOid('pg_class')} AND d.objsubid = 0
),
cols AS (
  SELECT a.attrelid,
         pg_catalog.json_agg(pg_catalog.json_build_object(
           'name', a.attname,
           'position', a.attnum,
           'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
           'typeName', t.typname,
           'typeCategory', t.typtype,
           'enumValues', CASE WHEN t.typtype = 'e' OR et.typtype = 'e' THEN
                           (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder)
                            FROM pg_catalog.pg_enum e
                            WHERE e.enumtypid = CASE WHEN t.typtype = 'e' THEN t.oid ELSE et.oid END)
                         END,
           'notNull', a.attnotnull,
           'default', pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
           'identity', a.attidentity::pg_catalog.text,
           'generated', a.attgenerated::text
         ) ORDER BY a.attnum) AS columns
  FROM pg_catalog.pg_attribute a
  JOIN rels r ON r.oid = a.attrelid AND r.relkind IN ('r', 'p', 'f')
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  -- element type of an array column (enum arrays need their labels too)
  LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped
  GROUP BY a.attrelid
),
cons AS (
  SELECT con.conrelid,
         pg_catalog.json_agg(pg_catalog.json_build_object(
           'name', con.conname,
           'type', CASE con.contype WHEN 'p' THEN 'primary-key' WHEN 'u' THEN 'unique'
                     WHEN 'f' THEN 'foreign-key' WHEN 'c' THEN 'check' ELSE 'exclusion' END,
           -- attnums; introspect.ts maps them to names (a join per constraint costs more)
           'columns', coalesce(pg_catalog.to_json(con.conkey), '[]'),
           -- deparsing is costly at scale: only CHECK / EXCLUDE need their text
           'definition', CASE WHEN con.contype IN ('c', 'x') THEN pg_catalog.pg_get_constraintdef(con.oid) END,
           'references', CASE WHEN con.contype = 'f' THEN pg_catalog.json_build_object(
                           'schema', fn.nspname,
                           'name', fc.relname,
                           'columns', (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
                                       FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                                       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum))
                         END,
           'deferrable', con.condeferrable,
           'onDelete', CASE WHEN con.contype = 'f' THEN CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                         WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END END,
           'onUpdate', CASE WHEN con.contype = 'f' THEN CASE con.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                         WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END END
         ) ORDER BY con.conname) AS constraints
  FROM pg_catalog.pg_constraint con
  JOIN rels r ON r.oid = con.conrelid
  LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
  LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
  WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
    -- a FK to a partitioned table is mirrored by internal constraints on each
    -- partition of the referenced table; keep only the one users declared
    AND NOT (con.contype = 'f' AND fc.relispartition)
  GROUP BY con.conrelid
),
idx AS (
  SELECT i.indrelid,
         pg_catalog.json_agg(pg_catalog.json_build_object(
           'name', ic.relname,
           -- key attnums (0 = expression); introspect.ts maps them to names
           'columns', pg_catalog.to_json((i.indkey::pg_catalog.int2[])[0:i.indnkeyatts - 1]),
           'unique', i.indisunique,
           'primary', i.indisprimary,
           'partial', i.indpred IS NOT NULL,
           -- deparse only what plain column lists cannot say
           'definition', CASE WHEN i.indpred IS NOT NULL OR 0 = ANY (i.indkey::pg_catalog.int2[])
                              THEN pg_catalog.pg_get_indexdef(i.indexrelid) END,
           'constraint', ixc.conname
         ) ORDER BY ic.relname) AS indexes
  FROM pg_catalog.pg_index i
  JOIN rels r ON r.oid = i.indrelid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_catalog.pg_constraint ixc ON ixc.conindid = i.indexrelid AND ixc.conrelid = i.indrelid
  GROUP BY i.indrelid
),
pol AS (
  SELECT p.polrelid,
         pg_catalog.json_agg(pg_catalog.json_build_object(
           'name', p.polname,
           'command', CASE p.polcmd WHEN '*' THEN 'ALL' WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                        WHEN 'w' THEN 'UPDATE' ELSE 'DELETE' END,
           'permissive', p.polpermissive,
           'roles', (SELECT pg_catalog.json_agg(CASE WHEN pr.r = 0::pg_catalog.oid THEN 'public' ELSE pg_catalog.pg_get_userbyid(pr.r) END ORDER BY pr.ord)
                     FROM pg_catalog.unnest(p.polroles) WITH ORDINALITY AS pr(r, ord)),
           'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
           'withCheck', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
           'dependsOn', pg_catalog.json_build_object(
             'columns', (SELECT coalesce(pg_catalog.json_agg(DISTINCT a.attname), '[]')
                         FROM pg_catalog.pg_depend d
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = ${catalogOid('pg_policy')} AND d.objid = p.oid
                           AND d.refclassid = ${catalogOid('pg_class')} AND d.refobjid = p.polrelid
                           AND d.refobjsubid > 0),
             'functions', (SELECT coalesce(pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object('schema', fns.nspname, 'name', f.proname)), '[]')
                           FROM pg_catalog.pg_depend d
                           JOIN pg_catalog.pg_proc f ON f.oid = d.refobjid
                           JOIN pg_catalog.pg_namespace fns ON fns.oid = f.pronamespace
                           WHERE d.classid = ${catalogOid('pg_policy')} AND d.objid = p.oid
                             AND d.refclassid = ${catalogOid('pg_proc')}))
         ) ORDER BY p.polname) AS policies
  FROM pg_catalog.pg_policy p
  JOIN rels r ON r.oid = p.polrelid
  GROUP BY p.polrelid
),
trg AS (
  -- tgtype bits: 1 ROW, 2 BEFORE, 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE, 64 INSTEAD
  SELECT t.tgrelid,
         pg_catalog.json_agg(pg_catalog.json_build_object(
           'name', t.tgname,
           'beforeRow', (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 67) OPERATOR(pg_catalog.=) 3,
           'events', (SELECT pg_catalog.json_agg(e.name ORDER BY e.bit)
                      FROM (VALUES (4, 'INSERT'), (16, 'UPDATE'), (8, 'DELETE'), (32, 'TRUNCATE')) AS e(bit, name)
                      WHERE (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) e.bit) OPERATOR(pg_catalog.<>) 0),
           'enabled', t.tgenabled OPERATOR(pg_catalog.=) ANY (ARRAY['O', 'A']::pg_catalog."char"[]),
           'conditional', t.tgqual IS NOT NULL OR pg_catalog.cardinality(t.tgattr::pg_catalog.int2[]) OPERATOR(pg_catalog.>) 0,
           'functionOid', f.oid,
           'function', pg_catalog.json_build_object('schema', fns.nspname, 'name', f.proname)
         ) ORDER BY t.tgname) AS triggers
  FROM pg_catalog.pg_trigger t
  JOIN rels r ON r.oid = t.tgrelid
  JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
  JOIN pg_catalog.pg_namespace fns ON fns.oid = f.pronamespace
  WHERE NOT t.tgisinternal
  GROUP BY t.tgrelid
),
acl AS (
  -- a NULL acl means the default: only the owner holds privileges
  SELECT r.oid, CASE WHEN a.grantee = 0::pg_catalog.oid THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
         pg_catalog.json_agg(DISTINCT a.privilege_type) AS privileges
  FROM rels r, pg_catalog.aclexplode(coalesce(r.relacl, pg_catalog.acldefault('r', r.relowner))) a
  WHERE a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
  GROUP BY r.oid, a.grantee
),
grants AS (
  SELECT acl.oid, pg_catalog.json_agg(pg_catalog.json_build_object('grantee', acl.grantee, 'privileges', acl.privileges) ORDER BY acl.grantee) AS grants
  FROM acl
  GROUP BY acl.oid
),
view_deps AS (
  SELECT rw.ev_class AS view_oid,
         pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object('schema', dn.nspname, 'name', dc.relname)) AS deps
  FROM pg_catalog.pg_rewrite rw
  JOIN rels r ON r.oid = rw.ev_class AND r.relkind IN ('v', 'm')
  JOIN pg_catalog.pg_depend d ON d.classid = ${catalogOid('pg_rewrite')} AND d.objid = rw.oid AND d.refclassid = ${catalogOid('pg_class')}
  JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid AND dc.oid <> rw.ev_class
  JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
  GROUP BY rw.ev_class
),
funcs AS (
  SELECT p.*, fns.nspname
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace fns ON fns.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p')
    AND (p.pronamespace IN (SELECT oid FROM ns)
         -- helpers used by policies count wherever they live (auth.uid(), private.*)
         OR p.oid IN (SELECT d.refobjid FROM pg_catalog.pg_depend d
                      WHERE d.classid = ${catalogOid('pg_policy')} AND d.refclassid = ${catalogOid('pg_proc')}))
    AND fns.nspname NOT IN ('pg_catalog', 'information_schema')
    -- functions that belong to extensions are the extension's business
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                    WHERE e.classid = ${catalogOid('pg_proc')} AND e.objid = p.oid AND e.deptype = 'e')
)
${TENANT_SCHEMA_CTES}
SELECT catalog FROM (
-- first row: everything but the tables
SELECT 0 AS part, NULL::pg_catalog.name AS nsp, NULL::pg_catalog.name AS rel, pg_catalog.json_build_object(
  'serverVersion', pg_catalog.current_setting('server_version_num')::pg_catalog.int4,
  'database', pg_catalog.current_database(),
  'currentUser', current_user,
  'schemas', (SELECT coalesce(pg_catalog.json_agg(nspname ORDER BY nspname), '[]') FROM ns),
  -- only read when a requested schema is missing, to say which ones exist
  'existingSchemas', (SELECT pg_catalog.json_agg(n.nspname ORDER BY n.nspname)
                      FROM pg_catalog.pg_namespace n
                      WHERE EXISTS (SELECT 1 FROM params, pg_catalog.unnest(params.wanted) AS w
                                    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = w))
                        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                        AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast|temp_|toast_temp_)'),
  'missingSchemas', (SELECT coalesce(pg_catalog.json_agg(w ORDER BY w), '[]')
                     FROM params, pg_catalog.unnest(params.wanted) AS w
                     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = w)),
  'views', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'oid', r.oid,
      'schema', r.nspname,
      'name', r.relname,
      'kind', CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized-view' END,
      'owner', pg_catalog.pg_get_userbyid(r.relowner),
      'securityInvoker', coalesce((SELECT o.option_value::pg_catalog.bool FROM pg_catalog.pg_options_to_table(r.reloptions) o
                                   WHERE o.option_name = 'security_invoker'), false),
      'securityBarrier', coalesce((SELECT o.option_value::pg_catalog.bool FROM pg_catalog.pg_options_to_table(r.reloptions) o
                                   WHERE o.option_name = 'security_barrier'), false),
      'dependsOn', coalesce(view_deps.deps, '[]'),
      'grants', coalesce(grants.grants, '[]'),
      'comment', descr.description,
      'definition', pg_catalog.pg_get_viewdef(r.oid)
    ) ORDER BY r.nspname, r.relname), '[]')
    FROM rels r
    LEFT JOIN descr ON descr.objoid = r.oid
    LEFT JOIN view_deps ON view_deps.view_oid = r.oid
    LEFT JOIN grants ON grants.oid = r.oid
    WHERE r.relkind IN ('v', 'm')),
  'functions', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'oid', f.oid,
      'schema', f.nspname,
      'name', f.proname,
      'identityArguments', pg_catalog.pg_get_function_identity_arguments(f.oid),
      'arguments', pg_catalog.pg_get_function_arguments(f.oid),
      'returns', coalesce(pg_catalog.pg_get_function_result(f.oid), ''),
      'owner', pg_catalog.pg_get_userbyid(f.proowner),
      'language', l.lanname,
      'securityDefiner', f.prosecdef,
      'searchPath', (SELECT pg_catalog.substr(c, pg_catalog.length('search_path=') + 1) FROM pg_catalog.unnest(f.proconfig) AS c
                     WHERE pg_catalog.starts_with(c, 'search_path=') LIMIT 1),
      'config', coalesce(pg_catalog.to_json(f.proconfig), '[]'),
      'executeGrantees', (SELECT coalesce(pg_catalog.json_agg(DISTINCT CASE WHEN a.grantee = 0::pg_catalog.oid THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END), '[]')
                          FROM pg_catalog.aclexplode(coalesce(f.proacl, pg_catalog.acldefault('f', f.proowner))) a
                          WHERE a.privilege_type = 'EXECUTE'),
      'body', coalesce(f.prosrc, '')
    ) ORDER BY f.nspname, f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid)), '[]')
    FROM funcs f
    JOIN pg_catalog.pg_language l ON l.oid = f.prolang),
  'roles', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', ro.rolname,
      'superuser', ro.rolsuper,
      'bypassRls', ro.rolbypassrls,
      'canLogin', ro.rolcanlogin,
      'inherit', ro.rolinherit,
      'memberOf', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                      'role', pg_catalog.pg_get_userbyid(m.roleid),
                      'inherit', coalesce((pg_catalog.to_jsonb(m) OPERATOR(pg_catalog.->>) 'inherit_option')::pg_catalog.bool, ro.rolinherit),
                      'set', coalesce((pg_catalog.to_jsonb(m) OPERATOR(pg_catalog.->>) 'set_option')::pg_catalog.bool, true),
                      'admin', m.admin_option
                    ) ORDER BY pg_catalog.pg_get_userbyid(m.roleid)), '[]')
                   FROM pg_catalog.pg_auth_members m
                   WHERE m.member = ro.oid)
    ) ORDER BY ro.rolname), '[]')
    FROM pg_catalog.pg_roles ro
    WHERE ro.rolname OPERATOR(pg_catalog.!~) '^pg_'),
  'settingDefaults', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'role', CASE WHEN s.setrole = 0::pg_catalog.oid THEN NULL ELSE pg_catalog.pg_get_userbyid(s.setrole) END,
      'database', CASE WHEN s.setdatabase = 0::pg_catalog.oid THEN NULL ELSE pg_catalog.current_database() END,
      'name', pg_catalog.split_part(c, '=', 1),
      'value', pg_catalog.substr(c, pg_catalog.strpos(c, '=') + 1)
    ) ORDER BY pg_catalog.pg_get_userbyid(s.setrole), c), '[]')
    FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c
    WHERE s.setdatabase IN (0::pg_catalog.oid, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))),
  'tenantSchemas', ${TENANT_SCHEMAS_JSON}
) AS catalog
UNION ALL
-- then one row per table, in (schema, name) order: many small values rather than one of tens
-- of megabytes, which the client would hold as one text beside its parsed form
SELECT 1, r.nspname, r.relname, pg_catalog.json_build_object(
    'oid', r.oid,
    'schema', r.nspname,
    'name', r.relname,
    'kind', CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned-table' ELSE 'foreign-table' END,
    'owner', pg_catalog.pg_get_userbyid(r.relowner),
    'rlsEnabled', r.relrowsecurity,
    'rlsForced', r.relforcerowsecurity,
    'partitionOf', (SELECT pg_catalog.json_build_object('schema', pn.nspname, 'name', pc.relname)
                    FROM pg_catalog.pg_inherits inh
                    JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
                    JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                    WHERE r.relispartition AND inh.inhrelid = r.oid),
    'comment', descr.description,
    'estimatedRows', r.reltuples,
    'columns', coalesce(cols.columns, '[]'),
    'constraints', coalesce(cons.constraints, '[]'),
    'indexes', coalesce(idx.indexes, '[]'),
    'policies', coalesce(pol.policies, '[]'),
    'grants', coalesce(grants.grants, '[]'),
    'triggers', coalesce(trg.triggers, '[]')
  )
  FROM rels r
  LEFT JOIN descr ON descr.objoid = r.oid
  LEFT JOIN trg ON trg.tgrelid = r.oid
  LEFT JOIN cols ON cols.attrelid = r.oid
  LEFT JOIN cons ON cons.conrelid = r.oid
  LEFT JOIN idx ON idx.indrelid = r.oid
  LEFT JOIN pol ON pol.polrelid = r.oid
  LEFT JOIN grants ON grants.oid = r.oid
  WHERE r.relkind IN ('r', 'p', 'f')
) AS parts
ORDER BY part, nsp, rel
`;
