/**
 * Snapshots of the embedded engine's data directory after the first files
 * of a migration history, kept in the cache directory so a later run
 * restores the longest applied prefix it shares and applies only the files
 * after it (the pre-commit case: only the newest migration changed).
 *
 * A snapshot is named and keyed by the content hash of its prefix (see
 * migrations/prefix-keys.ts). One file holds:
 *
 *   "TGSNAP1\n" | header length (4 bytes, big-endian) | SHA-256 of the header | header (JSON) | gzip of the data directory (tar)
 *
 * The header records the key and what applying the prefix left besides the
 * data directory (PrefixState). A file whose header does not hash to its
 * checksum, whose key is not the one asked for, or whose gzip stream fails
 * its CRC or length check is damaged: it is deleted and the run applies the
 * files instead (and snapshots them again).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { tarSource } from './embedded-cache.js';
import type { PrefixState } from './types.js';

const MAGIC = Buffer.from('TGSNAP1\n');
const SUFFIX = '.tgsnap';
const PREFIX = 'prefix-';

/**
 * Snapshots kept per cache directory; the least recently used beyond that
 * are deleted. Each is about 6 MB for a 200-table history, and a run needs
 * two (all files, all but the newest) per project.
 */
export const SNAPSHOTS_KEPT = 8;

export interface SnapshotHeader {
  key: string;
  state: PrefixState;
}

export function snapshotFile(cacheDir: string, key: string): string {
  return join(cacheDir, `${PREFIX}${key}${SUFFIX}`);
}

/** The keys of the snapshots in the cache directory (none when it does not exist). */
export async function cachedSnapshotKeys(cacheDir: string): Promise<Set<string>> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  return new Set(names.filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX)).map((n) => n.slice(PREFIX.length, -SUFFIX.length)));
}

/**
 * The snapshot saved under `key`: its state and the data directory as an
 * uncompressed tar, or null when there is none or it is damaged (then it is
 * deleted). Gunzipped here, not in PGlite, where a decompression error
 * escapes as an uncaught exception.
 */
export async function readSnapshot(file: string, key: string): Promise<{ state: PrefixState; dataDir: Blob } | null> {
  const bytes = await readFile(file).catch(() => null);
  if (!bytes) return null;
  try {
    const header = decodeHeader(bytes);
    if (!header || header.key !== key) throw new Error('damaged snapshot header');
    const dataDir = tarSource(gunzipSync(bytes.subarray(MAGIC.length + 4 + 32 + bytes.readUInt32BE(MAGIC.length))));
    // Marks it recently used, for pruning.
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return { state: header.state, dataDir };
  } catch {
    await rm(file, { force: true }).catch(() => {});
    return null;
  }
}

function decodeHeader(bytes: Buffer): SnapshotHeader | null {
  if (bytes.length < MAGIC.length + 4 + 32 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const length = bytes.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4 + 32;
  if (start + length > bytes.length) return null;
  const json = bytes.subarray(start, start + length);
  if (!createHash('sha256').update(json).digest().equals(bytes.subarray(MAGIC.length + 4, start))) return null;
  return JSON.parse(json.toString('utf8')) as SnapshotHeader;
}

/**
 * Write a snapshot: to a unique name first, then renamed over the final one,
 * so a concurrent run reads either a whole snapshot or none. gzip level 1:
 * most of a data directory is empty pages and write-ahead log, which the
 * fastest level already shrinks about tenfold. Failures are ignored (the
 * cache is only an optimisation); the oldest snapshots beyond SNAPSHOTS_KEPT
 * are deleted afterwards.
 */
export async function writeSnapshot(cacheDir: string, header: SnapshotHeader, tar: Uint8Array): Promise<boolean> {
  const file = snapshotFile(cacheDir, header.key);
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  try {
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(json.length);
    const compressed = await promisify(gzip)(tar, { level: 1 });
    await writeFile(partial, Buffer.concat([MAGIC, length, createHash('sha256').update(json).digest(), json, compressed]));
    await rename(partial, file);
  } catch {
    await rm(partial, { force: true }).catch(() => {});
    return false;
  }
  await pruneSnapshots(cacheDir).catch(() => {});
  return true;
}

/** Delete the least recently used snapshots beyond SNAPSHOTS_KEPT, and what a killed run left half written. */
async function pruneSnapshots(cacheDir: string): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const stale = Date.now() - 60 * 60 * 1000;
  for (const name of names.filter((n) => n.startsWith(PREFIX) && n.endsWith('.partial'))) {
    const file = join(cacheDir, name);
    if (((await stat(file).catch(() => null))?.mtimeMs ?? Infinity) < stale) await rm(file, { force: true }).catch(() => {});
  }
  const files = [...(await cachedSnapshotKeys(cacheDir))].map((key) => snapshotFile(cacheDir, key));
  if (files.length <= SNAPSHOTS_KEPT) return;
  const dated = await Promise.all(files.map(async (file) => ({ file, used: (await stat(file).catch(() => null))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => b.used - a.used);
  await Promise.all(dated.slice(SNAPSHOTS_KEPT).map(({ file }) => rm(file, { force: true }).catch(() => {})));
}
