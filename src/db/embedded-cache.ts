import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * A freshly initialised PGlite data directory, kept on disk between runs:
 * starting from it skips initdb, which is most of the embedded engine's
 * start-up time. It holds only what initdb creates, never project data.
 */
export interface PristineDataDirCache {
  /** The cached data directory as an uncompressed tar, or null when there is none (or it is damaged). */
  load(): Promise<Blob | null>;
  /** Store a gzip-compressed dump (PGlite's dumpDataDir('gzip')). Failures are ignored: the cache is only an optimisation. */
  save(dump: Blob): Promise<void>;
}

/**
 * A data directory tar for PGlite's `loadDataDir` without copying it into a
 * Blob: `new Blob([bytes])` copies tens of megabytes (over half a second of
 * CPU on a busy machine, and as much memory again), and PGlite only reads the
 * tar through `arrayBuffer()` and its `type` (gzip or not).
 */
export function tarSource(bytes: Buffer): Blob {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { type: 'application/x-tar', size: bytes.byteLength, arrayBuffer: () => Promise.resolve(buffer) } as unknown as Blob;
}

/**
 * $TENANTGUARD_CACHE_DIR, else $XDG_CACHE_HOME/tenantguard, else
 * ~/.cache/tenantguard. TENANTGUARD_CACHE_DIR=off (or empty) disables caching.
 */
export function embeddedCacheDir(env: Record<string, string | undefined>): string | null {
  const explicit = env.TENANTGUARD_CACHE_DIR;
  if (explicit !== undefined) return explicit === '' || explicit === 'off' ? null : explicit;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tenantguard');
}

/** Data directories are only valid for the PGlite build that wrote them, so the file name carries its version. */
export async function pgliteVersion(): Promise<string> {
  const version = await packageVersionOf('@electric-sql/pglite');
  if (version === null) throw new Error('no PGlite version');
  return version;
}

/** The installed version of a package (its entry point is in dist/, beside package.json's folder), or null when it is not installed. */
async function packageVersionOf(name: string): Promise<string | null> {
  try {
    const entry = fileURLToPath(import.meta.resolve(name));
    const manifest = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : null;
  } catch {
    return null;
  }
}

/**
 * The engine build a snapshot of its data directory belongs to, and
 * pgvector's package (installed beside tenantguard or not), which decides
 * whether `CREATE EXTENSION vector` runs or is skipped.
 */
export async function engineBuild(): Promise<{ pglite: string; pgvector: string | null }> {
  const [pglite, pgvector] = await Promise.all([pgliteVersion(), packageVersionOf('@electric-sql/pglite-pgvector')]);
  return { pglite, pgvector };
}

/**
 * The pristine data directory's file: for one PGlite build, made by initdb
 * with 1 MB write-ahead log segments (an older cache, with 16 MB segments,
 * has another name and is not used).
 */
export function pristineFileName(pgliteVersion: string): string {
  return `pglite-${pgliteVersion}-wal1m-pristine.tar.gz`;
}

export async function pristineDataDirCache(dir: string): Promise<PristineDataDirCache | null> {
  let file: string;
  try {
    file = join(dir, pristineFileName(await pgliteVersion()));
    // An unwritable cache would cost a data-directory dump on every run for nothing.
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch {
    return null;
  }
  return {
    async load() {
      const compressed = await readFile(file).catch(() => null);
      if (!compressed) return null;
      try {
        // gunzip checks the CRC and length of the whole content, so a truncated
        // or damaged file is caught here rather than inside PGlite, where a
        // decompression error escapes as an uncaught exception.
        return tarSource(gunzipSync(compressed));
      } catch {
        await rm(file, { force: true }).catch(() => {});
        return null;
      }
    },
    async save(dump) {
      // Written to a unique name, then renamed: concurrent runs never see half a file.
      const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
      try {
        await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
        await rename(partial, file);
      } catch {
        await rm(partial, { force: true }).catch(() => {});
      }
    },
  };
}
