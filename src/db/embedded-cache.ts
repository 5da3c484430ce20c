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
 * $TENANTGUARD_CACHE_DIR, else $XDG_CACHE_HOME/tenantguard, else
 * ~/.cache/tenantguard. TENANTGUARD_CACHE_DIR=off (or empty) disables caching.
 */
export function embeddedCacheDir(env: Record<string, string | undefined>): string | null {
  const explicit = env.TENANTGUARD_CACHE_DIR;
  if (explicit !== undefined) return explicit === '' || explicit === 'off' ? null : explicit;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tenantguard');
}

/** Data directories are only valid for the PGlite build that wrote them, so the file name carries its version. */
async function pgliteVersion(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  const manifest = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('no PGlite version');
  return manifest.version;
}

export async function pristineDataDirCache(dir: string): Promise<PristineDataDirCache | null> {
  let file: string;
  try {
    file = join(dir, `pglite-${await pgliteVersion()}-pristine.tar.gz`);
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
        return new Blob([gunzipSync(compressed)]);
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
