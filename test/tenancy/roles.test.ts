import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog, Privilege, Table } from '../../src/catalog/types.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { buildTenancy } from '../../src/tenancy/build.js';
import {
  PUBLIC, buildRoleGraph, bypassesRls, canSetRole, hasPrivilegesOf, hasTablePrivilege, isOwnerOrMemberOfOwner,
  ownerAccess, reachingRoles, rlsBypass, rolesWithPrivilege, type RoleGraph,
} from '../../src/tenancy/roles.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const ROLES = ['tbl_owner', 'owner_heir', 'owner_noinherit', 'owner_grandheir', 'grantee', 'grantee_heir',
  'bypasser', 'bypass_member', 'su', 'all_reader', 'all_writer', 'stranger'];

/**
 * Members of pg_read_all_data / pg_write_all_data read or write every table of
 * every database in the cluster: created only inside a rolled-back transaction,
 * so tests running in parallel on the same server never see them.
 */
const DATA_ROLES = `
  CREATE ROLE all_reader IN ROLE pg_read_all_data;
  CREATE ROLE all_writer IN ROLE pg_write_all_data;
`;

const SCENARIO = `
  CREATE ROLE tbl_owner NOLOGIN;
  CREATE ROLE owner_heir LOGIN IN ROLE tbl_owner;
  CREATE ROLE owner_noinherit NOINHERIT LOGIN IN ROLE tbl_owner;
  CREATE ROLE owner_grandheir LOGIN IN ROLE owner_heir;
  CREATE ROLE grantee NOLOGIN;
  CREATE ROLE grantee_heir LOGIN IN ROLE grantee;
  CREATE ROLE bypasser BYPASSRLS;
  CREATE ROLE bypass_member LOGIN IN ROLE bypasser;
  CREATE ROLE su SUPERUSER;
  CREATE ROLE stranger LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO organizations VALUES (1), (2);
  INSERT INTO projects VALUES (1, 1), (2, 2);
  ALTER TABLE projects OWNER TO tbl_owner;
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY;   -- no policy: deny-all for whom RLS applies to
  GRANT SELECT, UPDATE ON projects TO grantee;
  GRANT SELECT ON notes TO PUBLIC;
  GRANT INSERT ON notes TO grantee;
`;

describe('role graph', () => {
  let db: TestDatabase;
  let catalog: Catalog;
  let graph: RoleGraph;
  const r = (name: string) => db.role(name);
  const table = (name: string): Table => catalog.tables.find((t) => t.name === name)!;
  const ours = (names: string[]) => names.filter((n) => n === PUBLIC || ROLES.some((x) => n === r(x)));

  /** Runs `fn` with the pg_*_all_data members present, then rolls them back. */
  async function withDataRoles(fn: (catalog: Catalog, graph: RoleGraph) => Promise<void> | void): Promise<void> {
    await db.client.query('BEGIN');
    try {
      await db.exec(DATA_ROLES);
      const inside = await introspect(db.client, { schemas: ['public'] });
      await fn(inside, buildRoleGraph(inside.roles));
    } finally {
      await db.client.query('ROLLBACK');
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO, roles: ROLES });
    catalog = await introspect(db.client, { schemas: ['public'] });
    graph = buildRoleGraph(catalog.roles);
  });
  afterAll(() => db?.close());

  it('resolves table privileges exactly as has_table_privilege does (grants, PUBLIC, INHERIT, pg_*_all_data, superuser)', async () => {
    const privileges: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
    await withDataRoles(async (inside, g) => {
      for (const name of ['projects', 'notes']) {
        const t = inside.tables.find((x) => x.name === name)!;
        for (const role of ROLES) {
          for (const privilege of privileges) {
            const { rows } = await db.client.query('SELECT has_table_privilege($1, $2, $3) AS ok', [r(role), `public.${name}`, privilege]);
            expect([name, role, privilege, hasTablePrivilege(g, r(role), t, privilege)]).toEqual([name, role, privilege, rows[0].ok]);
            const listed = rolesWithPrivilege(g, t, privilege);
            expect([name, role, privilege, listed.includes(r(role)) || listed.includes(PUBLIC)]).toEqual([name, role, privilege, rows[0].ok]);
          }
        }
      }
    });
  });

  it('follows INHERIT for privileges and membership for SET ROLE, as pg_has_role does', async () => {
    const setMode = catalog.serverVersion >= 160000 ? 'SET' : 'MEMBER';
    for (const member of ROLES.filter((x) => !x.startsWith('all_'))) {
      for (const role of ['tbl_owner', 'owner_heir', 'grantee', 'bypasser']) {
        const { rows } = await db.client.query(
          `SELECT pg_has_role($1, $2, 'USAGE') AS usage, pg_has_role($1, $2, '${setMode}') AS set`, [r(member), r(role)]);
        expect([member, role, hasPrivilegesOf(graph, r(member), r(role)), canSetRole(graph, r(member), r(role))])
          .toEqual([member, role, rows[0].usage, rows[0].set]);
      }
    }
  });

  it('tells how a role acts as the owner, and Postgres agrees: only those see rows of a deny-all table without FORCE', async () => {
    const projects = table('projects');
    expect(ownerAccess(graph, r('tbl_owner'), projects)).toBe('owner');
    expect(ownerAccess(graph, r('owner_heir'), projects)).toBe('member-of-owner');
    expect(ownerAccess(graph, r('owner_grandheir'), projects)).toBe('member-of-owner');
    expect(ownerAccess(graph, r('owner_noinherit'), projects)).toBe('can-set-role-to-owner');
    expect(ownerAccess(graph, r('grantee_heir'), projects)).toBeNull();
    expect(isOwnerOrMemberOfOwner(graph, r('owner_grandheir'), projects)).toBe(true);
    expect(isOwnerOrMemberOfOwner(graph, r('owner_noinherit'), projects)).toBe(false);

    const count = (role: string, setRole?: string) =>
      db.asRole(role, async (c) => {
        if (setRole) await c.query(`SET LOCAL ROLE ${db.role(setRole)}`);
        return Number((await c.query('SELECT count(*) AS n FROM projects')).rows[0].n);
      });
    expect(await count('owner_grandheir')).toBe(2); // owner bypass through INHERIT membership
    expect(await count('grantee_heir')).toBe(0); // deny-all applies
    await expect(count('owner_noinherit')).rejects.toThrow(/permission denied/); // no privileges without SET ROLE
    expect(await count('owner_noinherit', 'tbl_owner')).toBe(2);
  });

  it('finds RLS bypass by attribute, directly or through SET ROLE, and Postgres agrees under FORCE', async () => {
    expect(rlsBypass(graph, r('su'))).toEqual({ via: r('su'), attribute: 'superuser' });
    expect(rlsBypass(graph, r('bypass_member'))).toEqual({ via: r('bypasser'), attribute: 'bypassrls' });
    expect(bypassesRls(graph, r('grantee_heir'))).toBe(false);
    await db.exec('ALTER TABLE projects FORCE ROW LEVEL SECURITY; GRANT SELECT ON projects TO bypasser');
    try {
      const seen = await db.asRole('bypass_member', async (c) => {
        await c.query(`SET LOCAL ROLE ${r('bypasser')}`);
        return (await c.query('SELECT count(*)::int AS n FROM projects')).rows[0].n;
      });
      expect(seen).toBe(2);
      expect(await db.asRole('owner_heir', async (c) => (await c.query('SELECT count(*)::int AS n FROM projects')).rows[0].n)).toBe(0);
    } finally {
      await db.exec('ALTER TABLE projects NO FORCE ROW LEVEL SECURITY; REVOKE SELECT ON projects FROM bypasser');
    }
  });

  it('honours per-membership INHERIT and SET options (PostgreSQL 16+)', async () => {
    if (catalog.serverVersion < 160000) return; // before 16 the options do not exist: covered by the cases above
    await db.exec(`CREATE ROLE heir_noset; GRANT tbl_owner TO heir_noset WITH INHERIT TRUE, SET FALSE;
                   CREATE ROLE setter_noinherit INHERIT; GRANT tbl_owner TO setter_noinherit WITH INHERIT FALSE, SET TRUE;`);
    const g = buildRoleGraph((await introspect(db.client, { schemas: ['public'] })).roles);
    for (const [member, usage, set] of [['heir_noset', true, false], ['setter_noinherit', false, true]] as const) {
      const { rows } = await db.client.query(`SELECT pg_has_role($1, $2, 'USAGE') AS usage, pg_has_role($1, $2, 'SET') AS set`, [r(member), r('tbl_owner')]);
      expect([rows[0].usage, rows[0].set]).toEqual([usage, set]);
      expect([hasPrivilegesOf(g, r(member), r('tbl_owner')), canSetRole(g, r(member), r('tbl_owner'))]).toEqual([usage, set]);
    }
    expect(ownerAccess(g, r('heir_noset'), table('projects'))).toBe('member-of-owner');
    expect(ownerAccess(g, r('setter_noinherit'), table('projects'))).toBe('can-set-role-to-owner');
  });

  it('lists who holds a privilege: PUBLIC first, then roles holding it by another route', () =>
    withDataRoles((inside, g) => {
      const t = (name: string) => inside.tables.find((x) => x.name === name)!;
      expect(ours(rolesWithPrivilege(g, t('notes'), 'SELECT'))).toEqual([PUBLIC, ...['all_reader', 'su'].map(r).sort()]);
      expect(ours(rolesWithPrivilege(g, t('notes'), 'INSERT'))).toEqual(['all_writer', 'grantee', 'grantee_heir', 'su'].map(r).sort());
      expect(ours(rolesWithPrivilege(g, t('projects'), 'UPDATE'))).toEqual(
        ['all_writer', 'grantee', 'grantee_heir', 'owner_grandheir', 'owner_heir', 'su', 'tbl_owner'].map(r).sort());
    }));

  it('reaching roles: the app role when it reaches the table, else every non-owner, non-superuser role with access', () => {
    const tenancy = (appRole: string | null) => buildTenancy(catalog, { ...DEFAULT_CONFIG, appRole });
    expect(ours(reachingRoles(tenancy(null), table('projects')))).toEqual(
      ['grantee', 'grantee_heir', 'owner_grandheir', 'owner_heir', 'owner_noinherit'].map(r).sort());
    expect(ours(reachingRoles(tenancy(null), table('notes')))).toEqual([...['grantee', 'grantee_heir'].map(r).sort(), PUBLIC]);
    expect(reachingRoles(tenancy(r('owner_heir')), table('projects'))).toEqual([r('owner_heir')]);
    expect(reachingRoles(tenancy(r('tbl_owner')), table('projects'))).toEqual([r('tbl_owner')]);
    expect(reachingRoles(tenancy(r('stranger')), table('projects'))).toEqual([]);
    expect(reachingRoles(tenancy(r('stranger')), table('notes'))).toEqual([r('stranger')]); // through PUBLIC
    expect(reachingRoles(tenancy('not_created_yet'), table('notes'))).toEqual(['not_created_yet']);
  });

  it('reaching roles include members of pg_read_all_data / pg_write_all_data', () =>
    withDataRoles((inside) => {
      const tenancy = buildTenancy(inside, DEFAULT_CONFIG);
      const projects = inside.tables.find((x) => x.name === 'projects')!;
      expect(ours(reachingRoles(tenancy, projects))).toEqual(
        ['all_reader', 'all_writer', 'grantee', 'grantee_heir', 'owner_grandheir', 'owner_heir', 'owner_noinherit'].map(r).sort());
    }));
});
