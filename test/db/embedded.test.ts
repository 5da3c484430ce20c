import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedCacheDir, pristineFileName } from '../../src/db/embedded-cache.js';
import { EMBEDDED_EXTENSIONS, openEmbedded } from '../../src/db/embedded.js';

/** Starting PGlite runs initdb in WebAssembly: seconds, more on a busy machine. */
const BOOT_TIMEOUT = 180_000;

describe('openEmbedded', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'tenantguard-cache-'));
  });
  afterAll(() => rm(cacheDir, { recursive: true, force: true }));
  const cacheFile = async () => {
    const names = (await readdir(cacheDir)).filter((n) => n.endsWith('-pristine.tar.gz'));
    expect(names).toHaveLength(1);
    return join(cacheDir, names[0]!);
  };

  it('starts PostgreSQL in a worker thread behind a pg.Client, loads only the extensions asked for, and closes', async () => {
    // A damaged cache file must not matter: the engine starts from initdb and rewrites it.
    await writeFile(join(cacheDir, pristineFileName(await pgliteVersion())), 'not gzip at all');
    const engine = await openEmbedded({ extensions: ['uuid-ossp', 'not-a-real-extension'], cacheDir });
    try {
      expect(engine.version).toMatch(/^PostgreSQL 1\d\.\d+ \(PGlite\)$/);
      const { rows } = await engine.client.query(`SELECT current_user AS who, rolsuper FROM pg_roles WHERE rolname = current_user`);
      expect(rows).toEqual([{ who: 'postgres', rolsuper: true }]);

      await engine.client.query('CREATE EXTENSION "uuid-ossp"');
      const uuid = await engine.client.query(`SELECT uuid_generate_v4()::text AS id`);
      expect(uuid.rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
      // citext ships with PGlite but was not requested, so Postgres cannot find it.
      await expect(engine.client.query('CREATE EXTENSION citext')).rejects.toThrow(/extension "citext" is not available/);
      await expect(engine.client.query('CREATE EXTENSION "not-a-real-extension"')).rejects.toThrow(/is not available/);
    } finally {
      await engine.close();
    }
    await engine.close(); // idempotent
    await expect(engine.client.query('SELECT 1')).rejects.toThrow();
    expect(gunzipSync(await readFile(await cacheFile())).length).toBeGreaterThan(1_000_000);
  }, BOOT_TIMEOUT);

  it('starts from the cached data directory when there is one', async () => {
    // Replace the cache with a data directory that has a marker table: seeing it proves the engine started from the cache.
    const { PGlite } = await import('@electric-sql/pglite');
    const marked = new PGlite({ loadDataDir: new Blob([gunzipSync(await readFile(await cacheFile()))]) });
    await marked.exec('CREATE TABLE started_from_cache (id int)');
    const dump = await marked.dumpDataDir('gzip');
    await marked.close();
    await writeFile(await cacheFile(), Buffer.from(await dump.arrayBuffer()));

    const engine = await openEmbedded({ extensions: ['uuid-ossp'], cacheDir });
    try {
      const { rows } = await engine.client.query(`SELECT to_regclass('started_from_cache') IS NOT NULL AS marked`);
      expect(rows).toEqual([{ marked: true }]);
      await engine.client.query('CREATE EXTENSION "uuid-ossp"');
    } finally {
      await engine.close();
    }
  }, BOOT_TIMEOUT);

  it('stops the engine when a request outlives the statement timeout, and fails that query with SQLSTATE 57014', async () => {
    const engine = await openEmbedded({ cacheDir, statementTimeoutMs: 3000 });
    try {
      // Quick statements are untouched by the watchdog, however many run.
      for (let i = 0; i < 5; i++) expect((await engine.client.query('SELECT pg_sleep(0.2), $1::int AS i', [i])).rows[0].i).toBe(i);
      // A dump is tenantguard's own request, not a statement: the watchdog leaves it alone however long it takes.
      expect((await engine.dumpDataDir()).length).toBeGreaterThan(100_000);
      const started = performance.now();
      const stopped = await engine.client.query('SELECT pg_sleep(100000)').then(() => null, (error: unknown) => error);
      expect(stopped).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout', timeoutMs: 3000 });
      expect(performance.now() - started).toBeLessThan(30_000);
      await expect(engine.client.query('SELECT 1')).rejects.toThrow();
    } finally {
      await engine.close();
    }
  }, BOOT_TIMEOUT);

  it('keeps the cache where the environment says, or nowhere', () => {
    expect(embeddedCacheDir({ TENANTGUARD_CACHE_DIR: '/x/cache' })).toBe('/x/cache');
    expect(embeddedCacheDir({ TENANTGUARD_CACHE_DIR: 'off' })).toBeNull();
    expect(embeddedCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/tenantguard');
    expect(embeddedCacheDir({})).toMatch(/\/\.cache\/tenantguard$/);
  });

  it('knows PGlite\'s contrib extensions by their CREATE EXTENSION names', () => {
    expect(EMBEDDED_EXTENSIONS.get('uuid-ossp')).toBe('uuid_ossp');
    expect(EMBEDDED_EXTENSIONS.get('pgcrypto')).toBe('pgcrypto');
    expect(EMBEDDED_EXTENSIONS.has('postgis')).toBe(false);
  });
});

async function pgliteVersion(): Promise<string> {
  const manifest = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
}
