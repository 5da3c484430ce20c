/**
 * Real databases for tests, on either engine:
 * - TENANTGUARD_TEST_DATABASE_URL set → a fresh database on that server per scenario;
 * - unset → a fresh embedded PGlite instance per scenario (restored from a pristine
 *   data-dir snapshot, which is much faster than initdb each time).
 *
 * Roles are cluster-wide on a server, so every role a scenario creates is
 * namespaced: `CREATE ROLE app_user` in scenario SQL becomes
 * `CREATE ROLE tg<id>_app_user`, and every whole-word use of the name is
 * rewritten the same way. `db.role('app_user')` gives the real name.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { ENGINE_SETTINGS, WAL_SEGMENT } from '../../src/db/embedded-engine.js';

export type Engine = 'server' | 'embedded';

export const serverUrl = process.env.TENANTGUARD_TEST_DATABASE_URL || null;
export const engine: Engine = serverUrl ? 'server' : 'embedded';

export interface TestDatabase {
  engine: Engine;
  /** Connected as the setup role (a superuser on both engines). */
  client: pg.Client;
  /** Connection URL on the server engine (for `--db`), null on the embedded engine. */
  url: string | null;
  name: string;
  /** The namespaced name of a scenario role. */
  role(name: string): string;
  /** Whether `name` is namespaced like the roles of another test database (which may come and go at any time). */
  isForeignTestRole(name: string): boolean;
  /** Rewrite scenario role names in SQL text. */
  sql(text: string): string;
  /** Apply scenario SQL (role names rewritten). */
  exec(text: string): Promise<void>;
  /**
   * Run `fn` as `role` inside a transaction that is always rolled back, with
   * the tenant context set the way the app sets it (set_config(..., true)).
   * context: undefined = leave unset; string = value (may be '').
   */
  asRole<T>(role: string, fn: (client: pg.Client) => Promise<T>, context?: { setting?: string; value: string }): Promise<T>;
  close(): Promise<void>;
}

export interface CreateOptions {
  /** Role names to namespace in addition to those found in CREATE ROLE/USER statements. */
  roles?: string[];
  /** SQL to apply right away. */
  setup?: string;
}

const CREATE_ROLE = /\bcreate\s+(?:role|user)\s+(?:if\s+not\s+exists\s+)?("?)([A-Za-z_][A-Za-z0-9_$]*)\1/gi;

function rolesCreatedIn(text: string): string[] {
  return [...text.matchAll(CREATE_ROLE)].map((m) => m[2]!);
}

function makeRewriter(prefix: string, declared: Set<string>) {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    role(name: string) {
      declared.add(name);
      return prefix + name;
    },
    sql(text: string) {
      for (const r of rolesCreatedIn(text)) declared.add(r);
      let out = text;
      for (const r of [...declared].sort((a, b) => b.length - a.length)) {
        out = out.replace(new RegExp(`(?<![A-Za-z0-9_$])${escape(r)}(?![A-Za-z0-9_$])`, 'g'), prefix + r);
      }
      return out;
    },
  };
}

/**
 * The data directory initdb makes, shared by every embedded test database:
 * created once per checkout (initdb costs seconds; restoring a dump costs a
 * fraction of that) and kept in node_modules/.cache, and once per test
 * process in memory (test processes run one file after another).
 */
const PRISTINE_KEY = Symbol.for('tenantguard.test.pristineDataDir');
type WithPristine = typeof globalThis & { [PRISTINE_KEY]?: Promise<ArrayBuffer> };

/**
 * The pristine data directory as PGlite's loadDataDir reads it. PGlite only asks it for
 * arrayBuffer() (and its type, to tell a gzip dump), and Node's Blob answers that by reading
 * itself in chunks and joining them: about a quarter of an engine's start-up for 40 MB. PGlite
 * copies the bytes into its own file system, so every engine can read the same buffer.
 */
async function pristineDataDir(): Promise<Blob> {
  const shared = globalThis as WithPristine;
  shared[PRISTINE_KEY] ??= loadOrCreatePristine();
  const bytes = await shared[PRISTINE_KEY];
  return { type: 'application/x-tar', size: bytes.byteLength, arrayBuffer: async () => bytes } as Blob;
}

async function loadOrCreatePristine(): Promise<ArrayBuffer> {
  const { PGlite } = await import('@electric-sql/pglite');
  const manifest = JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  // Made with the product's write-ahead log segment size, which its settings (min_wal_size) assume; the name says so.
  const file = new URL(`../../node_modules/.cache/tenantguard/test-pristine-pglite-${manifest.version}-wal1m.tar`, import.meta.url);
  const cached = await readFile(file).catch(() => null);
  if (cached) return new Uint8Array(cached).buffer;
  const db = new PGlite({ initDbStartParams: [...WAL_SEGMENT] });
  await db.waitReady;
  const dump = await (await db.dumpDataDir('none')).arrayBuffer();
  await db.close();
  // A unique name, then a rename: processes creating it at once never read half a file.
  const partial = new URL(`${file.href}.${process.pid}.partial`);
  await mkdir(new URL('.', file), { recursive: true });
  await writeFile(partial, new Uint8Array(dump));
  await rename(partial, file);
  return dump;
}

async function openEmbedded(): Promise<{ client: pg.Client; close(): Promise<void> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  // The product's settings: besides running tests on the engine as audits run it, the smaller
  // shared buffers halve the start-up (PGlite allocates and clears them at every start).
  const pglite = new PGlite({ loadDataDir: await pristineDataDir(), postgresqlconf: [...ENGINE_SETTINGS] });
  await pglite.waitReady;
  const client = new pg.Client(createPgConfig(pglite) as unknown as pg.ClientConfig);
  await client.connect();
  return {
    client,
    async close() {
      await client.end().catch(() => {});
      await pglite.close();
    },
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

export async function createTestDatabase(options: CreateOptions = {}): Promise<TestDatabase> {
  const id = randomBytes(4).toString('hex');
  const prefix = `tg${id}_`;
  const declared = new Set(options.roles ?? []);
  const rewrite = makeRewriter(prefix, declared);
  const name = `tenantguard_test_${id}`;

  let client: pg.Client;
  let url: string | null = null;
  let closeEngine: () => Promise<void>;

  if (serverUrl) {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    await admin.end();
    url = withDatabase(serverUrl, name);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    closeEngine = async () => {
      await client.end().catch(() => {});
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        const { rows } = await cleanup.query<{ rolname: string }>(
          `SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)`,
          [prefix],
        );
        for (const { rolname } of rows) {
          await cleanup.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
        }
      } finally {
        await cleanup.end();
      }
    };
  } else {
    const embedded = await openEmbedded();
    client = embedded.client;
    closeEngine = embedded.close;
  }

  const db: TestDatabase = {
    engine,
    client,
    url,
    name: serverUrl ? name : 'postgres',
    role: rewrite.role,
    isForeignTestRole: (role) => /^tg[0-9a-f]{8}_/.test(role) && !role.startsWith(prefix),
    sql: rewrite.sql,
    async exec(text) {
      await client.query(rewrite.sql(text));
    },
    async asRole(role, fn, context) {
      await client.query('BEGIN');
      try {
        if (context) {
          await client.query('SELECT set_config($1, $2, true)', [context.setting ?? 'app.current_org_id', context.value]);
        }
        await client.query(`SET LOCAL ROLE ${pg.escapeIdentifier(rewrite.role(role))}`);
        return await fn(client);
      } finally {
        await client.query('ROLLBACK');
      }
    },
    close: closeEngine,
  };
  if (options.setup) await db.exec(options.setup);
  return db;
}
