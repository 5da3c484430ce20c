import { createHash } from 'node:crypto';
import { packageVersion } from '../../version.js';
import type { DiscoveredMigrations, MigrationFile } from '../types.js';

/**
 * What, besides the files, decides the engine's data directory after a
 * prefix of the history: the engine build and tenantguard (which runs the
 * files and records the skipped statements), pgvector's package when it is
 * installed (whether `CREATE EXTENSION vector` is skipped), and the layout's
 * prelude (the platform's roles and schemas, created before any file).
 */
export interface SnapshotEnvironment {
  pglite: string;
  pgvector: string | null;
}

/** Bump when the meaning of a snapshot changes for the same inputs. */
const FORMAT = 1;

/**
 * keys[k] identifies the engine after the prelude and the first k files
 * (setup files first): a SHA-256 chained over each file's shown path and
 * statements (text, line and how it is applied), so a prefix's key does not
 * depend on the files after it, and any change to a file, its name, its
 * order or an earlier file changes the key of every prefix that holds it.
 */
export function prefixKeys(migrations: DiscoveredMigrations, environment: SnapshotEnvironment): string[] {
  let key = sha256(JSON.stringify({ format: FORMAT, tenantguard: packageVersion(), ...environment, prelude: migrations.prelude ?? '' }));
  const keys = [key];
  for (const file of migrations.files) {
    key = sha256(`${key}\n${fileDigest(file)}`);
    keys.push(key);
  }
  return keys;
}

function fileDigest(file: MigrationFile): string {
  // The shown path is in the key because skipped statements are reported (and remembered) by it.
  return sha256(JSON.stringify([file.displayPath, file.statements]));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
