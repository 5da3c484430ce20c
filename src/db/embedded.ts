import pg from 'pg';
import { pristineDataDirCache } from './embedded-cache.js';

export interface EmbeddedDatabase {
  /** A pg.Client speaking to the in-process engine, so the live code path serves both. */
  client: pg.Client;
  /** e.g. "PostgreSQL 18.7 (PGlite)" */
  version: string;
  /** Ends the client and shuts PGlite down, freeing its memory. Safe to call twice. */
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Contrib extensions to make available to CREATE EXTENSION (e.g. 'pgcrypto',
   * 'uuid-ossp', 'citext'). Each is loaded only when asked for: loading them
   * all would add about a second to every start.
   */
  extensions?: readonly string[];
  /**
   * Folder for a pristine data directory reused across runs (see
   * embedded-cache.ts); without it every start runs initdb.
   */
  cacheDir?: string | null;
}

/** Contrib extensions PGlite ships, by their CREATE EXTENSION name. */
export const EMBEDDED_EXTENSIONS: ReadonlyMap<string, string> = new Map(
  [
    'amcheck', 'auto_explain', 'bloom', 'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'dict_xsyn',
    'earthdistance', 'file_fdw', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree', 'moddatetime',
    'pageinspect', 'pg_buffercache', 'pg_freespacemap', 'pg_stat_statements', 'pg_surgery', 'pg_trgm',
    'pg_visibility', 'pg_walinspect', 'pgcrypto', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time',
    'unaccent', 'uuid_ossp',
  ].map((module) => [module === 'uuid_ossp' ? 'uuid-ossp' : module, module]),
);

/**
 * Start an in-memory PostgreSQL (PGlite, loaded lazily: it is only needed
 * for migrations folders) and connect a pg.Client to it through PGlite's
 * node-postgres adapter.
 */
export async function openEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const extensions: Record<string, unknown> = {};
  for (const name of new Set(options.extensions ?? [])) {
    const module = EMBEDDED_EXTENSIONS.get(name);
    if (!module) continue; // CREATE EXTENSION then fails with Postgres' own "is not available"
    const loaded = (await import(`@electric-sql/pglite/contrib/${module}`)) as Record<string, unknown>;
    extensions[module] = loaded[module];
  }

  const cache = options.cacheDir ? await pristineDataDirCache(options.cacheDir) : null;
  const pristine = (await cache?.load()) ?? null;
  const pglite = new PGlite({ extensions: extensions as never, ...(pristine ? { loadDataDir: pristine } : {}) });
  let client: pg.Client | null = null;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client?.end().catch(() => {});
    await pglite.close();
  };
  try {
    await pglite.waitReady;
    // Dumped before anything runs, so the cache holds exactly what initdb made.
    if (cache && !pristine) await cache.save(await pglite.dumpDataDir('gzip'));
    client = new pg.Client(createPgConfig(pglite) as unknown as pg.ClientConfig);
    await client.connect();
    // Qualified like every statement tenantguard sends (see transaction.ts).
    const { rows } = await client.query<{ version: string }>(`SELECT pg_catalog.current_setting('server_version') AS version`);
    return { client, version: `PostgreSQL ${rows[0]!.version} (PGlite)`, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
