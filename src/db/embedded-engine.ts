/**
 * Starting PGlite itself. This runs inside the engine's worker thread
 * (embedded-worker.ts), never on the thread that runs tenantguard: see
 * embedded.ts for why.
 */
import type { PGlite } from '@electric-sql/pglite';
import { pristineDataDirCache } from './embedded-cache.js';
import { readSnapshot } from './embedded-snapshots.js';
import type { PrefixState } from './types.js';

/** Extensions PGlite ships (contrib, and pgvector's package), by their CREATE EXTENSION name. */
export const EMBEDDED_EXTENSIONS: ReadonlyMap<string, string> = new Map(
  [
    'amcheck', 'auto_explain', 'bloom', 'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'dict_xsyn',
    'earthdistance', 'file_fdw', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree', 'moddatetime',
    'pageinspect', 'pg_buffercache', 'pg_freespacemap', 'pg_stat_statements', 'pg_surgery', 'pg_trgm',
    'pg_visibility', 'pg_walinspect', 'pgcrypto', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time',
    'unaccent', 'uuid_ossp', 'vector',
  ].map((module) => [module === 'uuid_ossp' ? 'uuid-ossp' : module, module]),
);

/** What the engine starts with; plain data, so it can be handed to a worker thread. */
export interface EngineStartOptions {
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
  /**
   * A snapshot to start from instead of the pristine data directory (see
   * embedded-snapshots.ts), when it is intact and recorded under `key`.
   */
  restore?: { file: string; key: string } | null;
}

/** A started PGlite and its version (e.g. "18.1"). */
export interface StartedEngine {
  pglite: PGlite;
  serverVersion: string;
  /** What the restored snapshot carries; null when the engine started from a pristine data directory. */
  restored: PrefixState | null;
}

/**
 * Memory, not disk: the engine's data directory is an in-memory file system,
 * copied whole into every snapshot and out of it at every start.
 * PGlite allocates and clears its shared buffers at start (128 MB by
 * default, for every offline audit), yet a page read past them is only a
 * copy; 32 MB hold the catalog of thousands of tables. Write-ahead log
 * segments are files in that memory too: by default up to 1 GB accumulates
 * before a checkpoint and 80 MB are kept for reuse after it. Segments are
 * made 1 MB instead of 16 MB at initdb (WAL_SEGMENT), so the data directory
 * holds a few megabytes of log rather than two 16 MB files.
 */
export const ENGINE_SETTINGS: readonly string[] = ['shared_buffers = 32MB', 'min_wal_size = 4MB', 'max_wal_size = 64MB'];

/** initdb's write-ahead log segment size; part of the pristine data directory's cache name (see embedded-cache.ts). */
export const WAL_SEGMENT: readonly string[] = ['--wal-segsize=1'];

export async function startPglite(options: EngineStartOptions): Promise<StartedEngine> {
  const { PGlite } = await import('@electric-sql/pglite');
  const extensions: Record<string, unknown> = {};
  for (const name of new Set(options.extensions ?? [])) {
    const module = EMBEDDED_EXTENSIONS.get(name);
    if (!module) continue; // CREATE EXTENSION then fails with Postgres' own "is not available"
    // pgvector is built for PGlite in a package of its own, installed beside tenantguard when a
    // project wants it (its exact peer version of PGlite is not ours); without it, vector is unavailable
    const loaded = module === 'vector'
      ? ((await import('@electric-sql/pglite-pgvector').catch(() => null)) as Record<string, unknown> | null)
      : ((await import(`@electric-sql/pglite/contrib/${module}`)) as Record<string, unknown>);
    if (!loaded?.[module]) continue;
    extensions[module] = loaded[module];
  }

  const snapshot = options.restore ? await readSnapshot(options.restore.file, options.restore.key) : null;
  const cache = options.cacheDir && !snapshot ? await pristineDataDirCache(options.cacheDir) : null;
  const pristine = (await cache?.load()) ?? null;
  const dataDir = snapshot?.dataDir ?? pristine;
  const pglite = new PGlite({
    extensions: extensions as never,
    postgresqlconf: [...ENGINE_SETTINGS],
    initDbStartParams: [...WAL_SEGMENT],
    ...(dataDir ? { loadDataDir: dataDir } : {}),
  });
  try {
    await pglite.waitReady;
    // Dumped before anything runs, so the cache holds exactly what initdb made.
    if (cache && !pristine) await cache.save(await pglite.dumpDataDir('gzip'));
    // Qualified like every statement tenantguard sends (see transaction.ts).
    const { rows } = await pglite.query<{ version: string }>(`SELECT pg_catalog.current_setting('server_version') AS version`);
    return { pglite, serverVersion: rows[0]!.version, restored: snapshot?.state ?? null };
  } catch (error) {
    await pglite.close().catch(() => {});
    throw error;
  }
}
