/**
 * The generated withRLS helper: it type-checks against the real drizzle-orm
 * and pg types, and at run time scopes queries to the tenant through a
 * setting that ends with the transaction (so a pooled connection does not
 * carry it into the next request).
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planHelper } from '../../src/scaffold/helper.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const ORG_A = '00000000-0000-4000-8000-00000000000a';
const ORG_B = '00000000-0000-4000-8000-00000000000b';

/**
 * A Drizzle database connected as app_user: node-postgres on the server
 * engine; on the embedded engine drizzle's own PGlite driver, on a PGlite
 * instance of its own with the same schema.
 */
async function drizzleAsAppUser(): Promise<{ db: unknown; query(sql: string): Promise<unknown[]>; close(): Promise<void> }> {
  if (engine === 'server') {
    const { drizzle } = await import('drizzle-orm/node-postgres');
    await db.client.query(`SET ROLE ${db.role('app_user')}`);
    return {
      db: drizzle(db.client),
      query: async (text) => (await db.client.query(text)).rows,
      close: async () => void (await db.client.query('RESET ROLE')),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const pglite = new PGlite();
  await pglite.exec(SETUP);
  await pglite.exec('SET ROLE app_user');
  return { db: drizzle(pglite), query: async (text) => (await pglite.query(text)).rows, close: () => pglite.close() };
}

/** The generated helper's signature, as seen from this test. */
type WithRLS = <T>(orgId: string, fn: (tx: { execute(query: unknown): Promise<{ rows: unknown[] }> }) => Promise<T>) => Promise<T>;

const SETUP = `
      CREATE ROLE app_user;
      CREATE TABLE projects (id serial PRIMARY KEY, organization_id uuid NOT NULL, name text NOT NULL);
      ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
      ALTER TABLE projects FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_access ON projects AS PERMISSIVE FOR ALL TO app_user
        USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid))
        WITH CHECK (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
      GRANT SELECT, INSERT ON projects TO app_user;
      GRANT USAGE ON SEQUENCE projects_id_seq TO app_user;
      INSERT INTO projects (organization_id, name) VALUES ('${ORG_A}', 'a'), ('${ORG_B}', 'b');`;

let dir: string;
let db: TestDatabase;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantguard-helper-'));
  await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  // The embedded engine runs the Drizzle side on a PGlite instance of its own (see drizzleAsAppUser).
  if (engine === 'server') db = await createTestDatabase({ setup: SETUP });
});
afterAll(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scaffold helper', () => {
  it('escapes the setting into the string and the comment', async () => {
    const file = await planHelper({ contextSetting: "app.x'y\\z", dbImport: './db', out: 'with-rls.ts' });
    expect(file.contents).toContain("const TENANT_SETTING = 'app.x\\'y\\\\z';");
    expect(file.contents).not.toContain('{{');
  });

  it('type-checks against drizzle-orm on node-postgres', async () => {
    const helper = await planHelper({ contextSetting: 'app.current_org_id', dbImport: './db.js', out: 'with-rls.ts' });
    await writeFile(path.join(dir, 'with-rls.ts'), helper.contents);
    await writeFile(
      path.join(dir, 'db.ts'),
      "import pg from 'pg';\nimport { drizzle } from 'drizzle-orm/node-postgres';\nexport const db = drizzle(new pg.Pool());\n",
    );
    await writeFile(
      path.join(dir, 'use.ts'),
      "import { sql } from 'drizzle-orm';\nimport { withRLS } from './with-rls.js';\n" +
        "export const names: Promise<number> = withRLS('org', async (tx) => (await tx.execute(sql`SELECT 1`)).rows.length);\n",
    );
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['use.ts'] }),
    );
    const tsc = await execa(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { reject: false });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.exitCode).toBe(0);
  });

  it('runs queries as the tenant, inside a transaction whose setting does not outlive it', async () => {
    const helper = await planHelper({ contextSetting: 'app.current_org_id', dbImport: './runtime-db', out: 'runtime-with-rls.ts' });
    await writeFile(path.join(dir, 'runtime-with-rls.ts'), helper.contents);
    await writeFile(path.join(dir, 'runtime-db.ts'), 'export const db = (globalThis as any).__tenantguardHelperDb;\n');
    const runtime = await drizzleAsAppUser();
    (globalThis as { __tenantguardHelperDb?: unknown }).__tenantguardHelperDb = runtime.db;
    try {
      const { withRLS } = (await import(path.join(dir, 'runtime-with-rls.ts'))) as { withRLS: WithRLS };
      const { sql } = await import('drizzle-orm');
      const seen = await withRLS(ORG_A, async (tx) => (await tx.execute(sql`SELECT organization_id FROM projects`)).rows);
      expect(seen).toEqual([{ organization_id: ORG_A }]);
      await withRLS(ORG_A, (tx) => tx.execute(sql`INSERT INTO projects (organization_id, name) VALUES (${ORG_A}, 'new')`));
      await expect(
        withRLS(ORG_A, (tx) => tx.execute(sql`INSERT INTO projects (organization_id, name) VALUES (${ORG_B}, 'x')`)),
      ).rejects.toMatchObject({ cause: { code: '42501' } }); // new row violates row-level security policy
      // set_config(..., true): gone after COMMIT, so the connection goes back to the pool without a tenant.
      expect(await runtime.query(`SELECT current_setting('app.current_org_id', true) AS s, count(*)::int AS n FROM projects`)).toEqual([
        { s: '', n: 0 },
      ]);
      await expect(withRLS('', async () => 1)).rejects.toThrow('no organization id');
    } finally {
      await runtime.close();
    }
  });
});
