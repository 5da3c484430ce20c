/**
 * The schema-per-tenant part of the one catalog statement (introspect.sql.ts),
 * written under the same rules: every name qualified with pg_catalog, only
 * pg_catalog operators, sent with search_path pinned.
 */

/** `'PUBLIC'` for the grantee oid 0 of an aclexplode() row, the role name otherwise. */
const granteeName = (column: string) => `CASE WHEN ${column} = 0::pg_catalog.oid THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(${column}) END`;

/**
 * Schema-per-tenant layouts (src/tenancy/schema-tenants.ts): for each schema
 * the pattern matches, whatever the schema filter, who holds USAGE / CREATE
 * on it and who holds which privilege on each table and view in it — table
 * and column ACLs, the owner's default ACL when none was set. Membership and
 * PUBLIC are resolved from the roles section, as has_schema_privilege and
 * has_table_privilege resolve them. Continues the WITH list above.
 */
export const TENANT_SCHEMA_CTES = /* sql */ `,
tenant_ns AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl
  FROM pg_catalog.pg_namespace n, params
  WHERE params.tenant_pattern IS NOT NULL
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast|temp_|toast_temp_)'
    AND n.nspname OPERATOR(pg_catalog.~) params.tenant_pattern
),
tenant_ns_acl AS (
  SELECT t.oid, ${granteeName('a.grantee')} AS grantee, pg_catalog.json_agg(DISTINCT a.privilege_type) AS privileges
  FROM tenant_ns t, pg_catalog.aclexplode(coalesce(t.nspacl, pg_catalog.acldefault('n', t.nspowner))) a
  GROUP BY t.oid, a.grantee
),
tenant_rels AS (
  SELECT c.oid, c.relnamespace, c.relname, c.relkind, c.relowner, c.relacl, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_catalog.pg_class c
  JOIN tenant_ns t ON t.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
),
tenant_rel_acl AS (
  SELECT r.oid, ${granteeName('a.grantee')} AS grantee, pg_catalog.json_agg(DISTINCT a.privilege_type) AS privileges
  FROM tenant_rels r, pg_catalog.aclexplode(coalesce(r.relacl, pg_catalog.acldefault('r', r.relowner))) a
  WHERE a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
  GROUP BY r.oid, a.grantee
),
tenant_col_acl AS (
  -- a NULL attacl means no column grant (the table's ACL decides)
  SELECT at.attrelid AS oid, ${granteeName('a.grantee')} AS grantee, pg_catalog.json_agg(DISTINCT a.privilege_type) AS privileges
  FROM pg_catalog.pg_attribute at
  JOIN tenant_rels r ON r.oid = at.attrelid,
  pg_catalog.aclexplode(at.attacl) a
  WHERE at.attacl IS NOT NULL AND at.attnum > 0 AND NOT at.attisdropped
  GROUP BY at.attrelid, a.grantee
),
-- grouped per relation and per schema, then hash-joined: no per-row subquery over the ACL rows
tenant_rel_grants AS (
  SELECT g.oid, pg_catalog.json_agg(pg_catalog.json_build_object('grantee', g.grantee, 'privileges', g.privileges) ORDER BY g.grantee) AS grants
  FROM tenant_rel_acl g
  GROUP BY g.oid
),
tenant_col_grants AS (
  SELECT g.oid, pg_catalog.json_agg(pg_catalog.json_build_object('grantee', g.grantee, 'privileges', g.privileges) ORDER BY g.grantee) AS grants
  FROM tenant_col_acl g
  GROUP BY g.oid
),
tenant_ns_grants AS (
  SELECT a.oid, pg_catalog.json_agg(pg_catalog.json_build_object('grantee', a.grantee, 'privileges', a.privileges) ORDER BY a.grantee) AS grants
  FROM tenant_ns_acl a
  GROUP BY a.oid
),
tenant_relations AS (
  SELECT r.relnamespace,
         pg_catalog.json_agg(pg_catalog.json_build_object(
           'name', r.relname,
           'kind', CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned-table' WHEN 'f' THEN 'foreign-table'
                     WHEN 'v' THEN 'view' ELSE 'materialized-view' END,
           'owner', pg_catalog.pg_get_userbyid(r.relowner),
           'rlsEnabled', r.relrowsecurity,
           'rlsForced', r.relforcerowsecurity,
           'grants', coalesce(g.grants, '[]'),
           'columnGrants', coalesce(cg.grants, '[]')
         ) ORDER BY r.relname) AS relations
  FROM tenant_rels r
  LEFT JOIN tenant_rel_grants g ON g.oid = r.oid
  LEFT JOIN tenant_col_grants cg ON cg.oid = r.oid
  GROUP BY r.relnamespace
)`;

/** NULL without a pattern; otherwise every matching schema (an empty list when none matches). */
export const TENANT_SCHEMAS_JSON = /* sql */ `CASE WHEN (SELECT tenant_pattern FROM params) IS NULL THEN NULL ELSE
    (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
       'name', t.nspname,
       'owner', pg_catalog.pg_get_userbyid(t.nspowner),
       'grants', coalesce(ng.grants, '[]'),
       'relations', coalesce(tr.relations, '[]')
     ) ORDER BY t.nspname), '[]')
     FROM tenant_ns t
     LEFT JOIN tenant_ns_grants ng ON ng.oid = t.oid
     LEFT JOIN tenant_relations tr ON tr.relnamespace = t.oid) END`;
