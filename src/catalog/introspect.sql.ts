/**
 * The one catalog statement. Every per-table detail is pre-aggregated in a CTE
 * grouped by relation (hash joins, not one lookup per table), so the cost
 * grows with the catalog, not with round trips. $1 = schema filter (text[]
 * or NULL for every non-system schema); it is a parameter, never interpolated.
 *
 * Version notes: pg_auth_members.inherit_option / set_option exist from PG 16;
 * they are read through to_jsonb() so the same text runs on PG 13+ (before 16,
 * membership inheritance follows the member's rolinherit and SET is always allowed).
 */
export const CATALOG_QUERY = /* sql */ `
WITH params AS (
  SELECT $1::text[] AS wanted
),
ns AS (
  SELECT n.oid, n.nspname
  FROM pg_namespace n, params
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    AND (params.wanted IS NULL OR n.nspname = ANY (params.wanted))
),
rels AS (
  SELECT c.oid, c.relname, c.relkind, c.relowner, c.relacl, c.reloptions, c.relrowsecurity,
         c.relforcerowsecurity, c.relispartition, c.reltuples, ns.nspname
  FROM pg_class c
  JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
),
descr AS (
  SELECT d.objoid, d.description
  FROM pg_description d
  JOIN rels ON rels.oid = d.objoid
  WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0
),
cols AS (
  SELECT a.attrelid,
         json_agg(json_build_object(
           'name', a.attname,
           'position', a.attnum,
           'type', format_type(a.atttypid, a.atttypmod),
           'typeName', t.typname,
           'typeCategory', t.typtype,
           'enumValues', CASE WHEN t.typtype = 'e' OR et.typtype = 'e' THEN
                           (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)
                            FROM pg_enum e
                            WHERE e.enumtypid = CASE WHEN t.typtype = 'e' THEN t.oid ELSE et.oid END)
                         END,
           'notNull', a.attnotnull,
           'default', pg_get_expr(ad.adbin, ad.adrelid),
           'identity', a.attidentity::text,
           'generated', a.attgenerated::text
         ) ORDER BY a.attnum) AS columns
  FROM pg_attribute a
  JOIN rels r ON r.oid = a.attrelid AND r.relkind IN ('r', 'p', 'f')
  JOIN pg_type t ON t.oid = a.atttypid
  -- element type of an array column (enum arrays need their labels too)
  LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped
  GROUP BY a.attrelid
),
cons AS (
  SELECT con.conrelid,
         json_agg(json_build_object(
           'name', con.conname,
           'type', CASE con.contype WHEN 'p' THEN 'primary-key' WHEN 'u' THEN 'unique'
                     WHEN 'f' THEN 'foreign-key' WHEN 'c' THEN 'check' ELSE 'exclusion' END,
           -- attnums; introspect.ts maps them to names (a join per constraint costs more)
           'columns', coalesce(to_json(con.conkey), '[]'),
           -- deparsing is costly at scale: only CHECK / EXCLUDE need their text
           'definition', CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) END,
           'references', CASE WHEN con.contype = 'f' THEN json_build_object(
                           'schema', fn.nspname,
                           'name', fc.relname,
                           'columns', (SELECT json_agg(a.attname ORDER BY k.ord)
                                       FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                                       JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum))
                         END,
           'deferrable', con.condeferrable,
           'onDelete', CASE WHEN con.contype = 'f' THEN CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                         WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END END,
           'onUpdate', CASE WHEN con.contype = 'f' THEN CASE con.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                         WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END END
         ) ORDER BY con.conname) AS constraints
  FROM pg_constraint con
  JOIN rels r ON r.oid = con.conrelid
  LEFT JOIN pg_class fc ON fc.oid = con.confrelid
  LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
  WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
    -- a FK to a partitioned table is mirrored by internal constraints on each
    -- partition of the referenced table; keep only the one users declared
    AND NOT (con.contype = 'f' AND fc.relispartition)
  GROUP BY con.conrelid
),
idx AS (
  SELECT i.indrelid,
         json_agg(json_build_object(
           'name', ic.relname,
           -- key attnums (0 = expression); introspect.ts maps them to names
           'columns', to_json((i.indkey::int2[])[0:i.indnkeyatts - 1]),
           'unique', i.indisunique,
           'primary', i.indisprimary,
           'partial', i.indpred IS NOT NULL,
           -- deparse only what plain column lists cannot say
           'definition', CASE WHEN i.indpred IS NOT NULL OR 0 = ANY (i.indkey::int2[])
                              THEN pg_get_indexdef(i.indexrelid) END,
           'constraint', ixc.conname
         ) ORDER BY ic.relname) AS indexes
  FROM pg_index i
  JOIN rels r ON r.oid = i.indrelid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_constraint ixc ON ixc.conindid = i.indexrelid AND ixc.conrelid = i.indrelid
  GROUP BY i.indrelid
),
pol AS (
  SELECT p.polrelid,
         json_agg(json_build_object(
           'name', p.polname,
           'command', CASE p.polcmd WHEN '*' THEN 'ALL' WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                        WHEN 'w' THEN 'UPDATE' ELSE 'DELETE' END,
           'permissive', p.polpermissive,
           'roles', (SELECT json_agg(CASE WHEN pr.r = 0 THEN 'public' ELSE pg_get_userbyid(pr.r) END ORDER BY pr.ord)
                     FROM unnest(p.polroles) WITH ORDINALITY AS pr(r, ord)),
           'using', pg_get_expr(p.polqual, p.polrelid),
           'withCheck', pg_get_expr(p.polwithcheck, p.polrelid),
           'dependsOn', json_build_object(
             'columns', (SELECT coalesce(json_agg(DISTINCT a.attname), '[]')
                         FROM pg_depend d
                         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.refobjid = p.polrelid
                           AND d.refobjsubid > 0),
             'functions', (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('schema', fns.nspname, 'name', f.proname)), '[]')
                           FROM pg_depend d
                           JOIN pg_proc f ON f.oid = d.refobjid
                           JOIN pg_namespace fns ON fns.oid = f.pronamespace
                           WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                             AND d.refclassid = 'pg_proc'::regclass))
         ) ORDER BY p.polname) AS policies
  FROM pg_policy p
  JOIN rels r ON r.oid = p.polrelid
  GROUP BY p.polrelid
),
acl AS (
  -- a NULL acl means the default: only the owner holds privileges
  SELECT r.oid, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
         json_agg(DISTINCT a.privilege_type) AS privileges
  FROM rels r, aclexplode(coalesce(r.relacl, acldefault('r', r.relowner))) a
  WHERE a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
  GROUP BY r.oid, a.grantee
),
grants AS (
  SELECT acl.oid, json_agg(json_build_object('grantee', acl.grantee, 'privileges', acl.privileges) ORDER BY acl.grantee) AS grants
  FROM acl
  GROUP BY acl.oid
),
view_deps AS (
  SELECT rw.ev_class AS view_oid,
         jsonb_agg(DISTINCT jsonb_build_object('schema', dn.nspname, 'name', dc.relname)) AS deps
  FROM pg_rewrite rw
  JOIN rels r ON r.oid = rw.ev_class AND r.relkind IN ('v', 'm')
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.refclassid = 'pg_class'::regclass
  JOIN pg_class dc ON dc.oid = d.refobjid AND dc.oid <> rw.ev_class
  JOIN pg_namespace dn ON dn.oid = dc.relnamespace
  GROUP BY rw.ev_class
),
funcs AS (
  SELECT p.*, fns.nspname
  FROM pg_proc p
  JOIN pg_namespace fns ON fns.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p')
    AND (p.pronamespace IN (SELECT oid FROM ns)
         -- helpers used by policies count wherever they live (auth.uid(), private.*)
         OR p.oid IN (SELECT d.refobjid FROM pg_depend d
                      WHERE d.classid = 'pg_policy'::regclass AND d.refclassid = 'pg_proc'::regclass))
    AND fns.nspname NOT IN ('pg_catalog', 'information_schema')
    -- functions that belong to extensions are the extension's business
    AND NOT EXISTS (SELECT 1 FROM pg_depend e
                    WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
)
SELECT json_build_object(
  'serverVersion', current_setting('server_version_num')::int,
  'database', current_database(),
  'currentUser', current_user,
  'schemas', (SELECT coalesce(json_agg(nspname ORDER BY nspname), '[]') FROM ns),
  -- only read when a requested schema is missing, to say which ones exist
  'existingSchemas', (SELECT json_agg(n.nspname ORDER BY n.nspname)
                      FROM pg_namespace n
                      WHERE EXISTS (SELECT 1 FROM params, unnest(params.wanted) AS w
                                    WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = w))
                        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                        AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'),
  'missingSchemas', (SELECT coalesce(json_agg(w ORDER BY w), '[]')
                     FROM params, unnest(params.wanted) AS w
                     WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = w)),
  'tables', (SELECT coalesce(json_agg(json_build_object(
      'oid', r.oid,
      'schema', r.nspname,
      'name', r.relname,
      'kind', CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned-table' ELSE 'foreign-table' END,
      'owner', pg_get_userbyid(r.relowner),
      'rlsEnabled', r.relrowsecurity,
      'rlsForced', r.relforcerowsecurity,
      'partitionOf', (SELECT json_build_object('schema', pn.nspname, 'name', pc.relname)
                      FROM pg_inherits inh
                      JOIN pg_class pc ON pc.oid = inh.inhparent
                      JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                      WHERE r.relispartition AND inh.inhrelid = r.oid),
      'comment', descr.description,
      'estimatedRows', r.reltuples,
      'columns', coalesce(cols.columns, '[]'),
      'constraints', coalesce(cons.constraints, '[]'),
      'indexes', coalesce(idx.indexes, '[]'),
      'policies', coalesce(pol.policies, '[]'),
      'grants', coalesce(grants.grants, '[]')
    ) ORDER BY r.nspname, r.relname), '[]')
    FROM rels r
    LEFT JOIN descr ON descr.objoid = r.oid
    LEFT JOIN cols ON cols.attrelid = r.oid
    LEFT JOIN cons ON cons.conrelid = r.oid
    LEFT JOIN idx ON idx.indrelid = r.oid
    LEFT JOIN pol ON pol.polrelid = r.oid
    LEFT JOIN grants ON grants.oid = r.oid
    WHERE r.relkind IN ('r', 'p', 'f')),
  'views', (SELECT coalesce(json_agg(json_build_object(
      'oid', r.oid,
      'schema', r.nspname,
      'name', r.relname,
      'kind', CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized-view' END,
      'owner', pg_get_userbyid(r.relowner),
      'securityInvoker', coalesce((SELECT o.option_value::bool FROM pg_options_to_table(r.reloptions) o
                                   WHERE o.option_name = 'security_invoker'), false),
      'securityBarrier', coalesce((SELECT o.option_value::bool FROM pg_options_to_table(r.reloptions) o
                                   WHERE o.option_name = 'security_barrier'), false),
      'dependsOn', coalesce(view_deps.deps, '[]'),
      'grants', coalesce(grants.grants, '[]'),
      'comment', descr.description,
      'definition', pg_get_viewdef(r.oid)
    ) ORDER BY r.nspname, r.relname), '[]')
    FROM rels r
    LEFT JOIN descr ON descr.objoid = r.oid
    LEFT JOIN view_deps ON view_deps.view_oid = r.oid
    LEFT JOIN grants ON grants.oid = r.oid
    WHERE r.relkind IN ('v', 'm')),
  'functions', (SELECT coalesce(json_agg(json_build_object(
      'oid', f.oid,
      'schema', f.nspname,
      'name', f.proname,
      'identityArguments', pg_get_function_identity_arguments(f.oid),
      'returns', coalesce(pg_get_function_result(f.oid), ''),
      'owner', pg_get_userbyid(f.proowner),
      'language', l.lanname,
      'securityDefiner', f.prosecdef,
      'searchPath', (SELECT substr(c, length('search_path=') + 1) FROM unnest(f.proconfig) AS c
                     WHERE c LIKE 'search\\_path=%' LIMIT 1),
      'config', coalesce(to_json(f.proconfig), '[]'),
      'executeGrantees', (SELECT coalesce(json_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END), '[]')
                          FROM aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a
                          WHERE a.privilege_type = 'EXECUTE'),
      'body', coalesce(f.prosrc, '')
    ) ORDER BY f.nspname, f.proname, pg_get_function_identity_arguments(f.oid)), '[]')
    FROM funcs f
    JOIN pg_language l ON l.oid = f.prolang),
  'roles', (SELECT coalesce(json_agg(json_build_object(
      'name', ro.rolname,
      'superuser', ro.rolsuper,
      'bypassRls', ro.rolbypassrls,
      'canLogin', ro.rolcanlogin,
      'inherit', ro.rolinherit,
      'memberOf', (SELECT coalesce(json_agg(json_build_object(
                      'role', pg_get_userbyid(m.roleid),
                      'inherit', coalesce((to_jsonb(m) ->> 'inherit_option')::bool, ro.rolinherit),
                      'set', coalesce((to_jsonb(m) ->> 'set_option')::bool, true),
                      'admin', m.admin_option
                    ) ORDER BY pg_get_userbyid(m.roleid)), '[]')
                   FROM pg_auth_members m
                   WHERE m.member = ro.oid)
    ) ORDER BY ro.rolname), '[]')
    FROM pg_roles ro
    WHERE ro.rolname !~ '^pg_'),
  'settingDefaults', (SELECT coalesce(json_agg(json_build_object(
      'role', CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END,
      'database', CASE WHEN s.setdatabase = 0 THEN NULL ELSE current_database() END,
      'name', split_part(c, '=', 1),
      'value', substr(c, strpos(c, '=') + 1)
    ) ORDER BY pg_get_userbyid(s.setrole), c), '[]')
    FROM pg_db_role_setting s, unnest(s.setconfig) AS c
    WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())))
) AS catalog
`;
