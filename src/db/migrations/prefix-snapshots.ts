import { engineBuild } from '../embedded-cache.js';
import { cachedSnapshotKeys, snapshotFile } from '../embedded-snapshots.js';
import type { EmbeddedDatabase } from '../embedded.js';
import type { DiscoveredMigrations, PrefixState } from '../types.js';
import { prefixKeys } from './prefix-keys.js';

/** Which snapshots of the history a run restores from and saves (see embedded-snapshots.ts). */
export interface PrefixSnapshots {
  /** The longest prefix of the history with a snapshot in the cache, or null. */
  longest(): { file: string; key: string } | null;
  /** The engine did not start from `snapshot` (damaged, or deleted meanwhile): it is gone, and may be saved again. */
  missed(snapshot: { key: string }): void;
  /**
   * Called after each file the engine may be snapshotted after. Saves only
   * the prefix a next run is likely to ask for: all files but the newest
   * (the newest edited again, or one more file added: then the next run
   * restores this and applies two). A snapshot of all files would spare a
   * next run only the newest file, which costs less to apply again than the
   * snapshot costs to write (about what starting the engine costs). Nothing
   * is saved that the cache has or that the engine was restored past.
   */
  save(engine: Pick<EmbeddedDatabase, 'saveSnapshot'>, state: PrefixState, restored: PrefixState | null): Promise<void>;
}

/**
 * `minStatements`: statements a prefix must hold for a snapshot of it to be
 * saved. Applying a statement costs about 2 ms of CPU, saving a snapshot
 * about what starting the engine costs, and restoring one a little more than
 * starting from the pristine data directory: below a few hundred statements,
 * applying again is cheaper (TENANTGUARD_SNAPSHOT_MIN_STATEMENTS, which also
 * turns snapshots on).
 */
export async function prefixSnapshots(cacheDir: string, migrations: DiscoveredMigrations, minStatements: number): Promise<PrefixSnapshots> {
  const [keys, cached] = await Promise.all([engineBuild().then((build) => prefixKeys(migrations, build)), cachedSnapshotKeys(cacheDir)]);
  const total = migrations.files.length;
  const statementsBefore = [0];
  for (const file of migrations.files) statementsBefore.push(statementsBefore.at(-1)! + file.statements.length);
  return {
    longest() {
      for (let files = total; files > 0; files--) {
        if (cached.has(keys[files]!)) return { file: snapshotFile(cacheDir, keys[files]!), key: keys[files]! };
      }
      return null;
    },
    missed(snapshot) {
      cached.delete(snapshot.key);
    },
    async save(engine, state, restored) {
      const key = keys[state.files]!;
      const from = restored?.files ?? 0;
      if (state.files !== total - 1 || statementsBefore[state.files]! < minStatements || from >= state.files || cached.has(key)) return;
      if (await engine.saveSnapshot(cacheDir, { key, state })) cached.add(key);
    },
  };
}
