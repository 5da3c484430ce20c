/**
 * `tenantguard diff`: what a change to the schema does to who can reach which
 * tenant's rows. Both sides are read into access matrices (sides.ts), compared
 * cell by cell (compare.ts), each change pinned on the migration statement
 * that made it (locate.ts), and widenings proven by the probe on the embedded
 * copies where possible (prove.ts).
 */
import { configOverrides, loadConfig, type ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { SkippedStatement, Source } from '../db/types.js';
import { startLoadingParser } from '../sql/parser.js';
import { packageVersion } from '../version.js';
import { compareMatrices, countChanges, type AccessChange, type ChangeCounts } from './compare.js';
import type { Side, SideRequest } from './sides.js';

export type { AccessChange, ChangeClass, ChangeCounts, Proof } from './compare.js';
import type { AccessMatrix } from './matrix.js';

export type { AccessMatrix } from './matrix.js';

/** Where the base comes from: a git revision (default: the merge base with the default branch), a live database, or a snapshot file. */
export type BaseRequest = { kind: 'revision'; ref?: string } | { kind: 'database'; url: string } | { kind: 'snapshot'; file: string };

export interface DiffOptions extends ConfigOverrides {
  cwd?: string;
  env?: Record<string, string | undefined>;
  configPath?: string;
  /** The head as a live database (`--db`); default: the migrations folder of the working tree. */
  db?: string;
  /** The migrations folder (`--migrations`); default: the one an audit finds. */
  migrations?: string;
  base: BaseRequest;
  /** Prove widenings with the probe on the embedded copies (default true; only when both sides are embedded). */
  probe?: boolean;
  /** Told which source each side reads (passwords masked). */
  onSource?: (side: 'base' | 'head', description: string) => void;
  onProgress?: (message: string) => void;
}

export interface DiffSide {
  /** `main (3f2a1b0)`, `working tree`, `database app`, `snapshot access.json` */
  label: string;
  source: Source;
  /** Migration statements the embedded engine could not run (an extension it lacks): what they create is not compared. */
  skipped: SkippedStatement[];
}

/** The JSON report of a diff (docs/diff.md). */
export interface DiffResult {
  tool: 'tenantguard';
  document: 'access-diff';
  formatVersion: 1;
  version: string;
  tenantColumn: string;
  base: DiffSide;
  head: DiffSide;
  /** Every change, info ones included, sorted by object, role and command. */
  changes: AccessChange[];
  summary: ChangeCounts;
  /** The probe ran on both embedded copies to prove widenings. */
  probed: boolean;
}

/** Config as an audit loads it: flags > environment > file > defaults. */
async function diffConfig(options: ConfigOverrides & { configPath?: string }, cwd: string, env: Record<string, string | undefined>): Promise<Config> {
  const { config } = await loadConfig({
    cwd,
    env,
    configPath: options.configPath,
    flags: configOverrides(options),
  });
  return config;
}

async function openBase(base: BaseRequest, request: SideRequest & { migrations?: string }): Promise<Side> {
  const sides = await import('./sides.js');
  switch (base.kind) {
    case 'revision':
      return sides.openBaseRevision({ ...request, ref: base.ref });
    case 'database':
      return sides.openBaseDatabase({ ...request, url: base.url });
    case 'snapshot':
      return sides.openBaseSnapshot({ ...request, file: base.file });
  }
}

export async function diffAccess(options: DiffOptions): Promise<DiffResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const config = await diffConfig(options, cwd, env);
  startLoadingParser();
  const request: SideRequest = { cwd, env, config, onProgress: options.onProgress, keepEngine: options.probe !== false };
  const { openHead } = await import('./sides.js');
  // The base first: with the engine's prefix cache, the head then applies only the files it adds.
  const base = await openBase(options.base, { ...request, migrations: options.migrations });
  let head: Side | null = null;
  try {
    options.onSource?.('base', base.description);
    head = await openHead({ ...request, db: options.db, migrations: options.migrations, offline: options.db === undefined });
    options.onSource?.('head', head.description);
    let changes = compareMatrices(base.matrix, head.matrix);
    if (head.migrations && changes.length > 0) {
      const { addedStatements, locateChanges } = await import('./locate.js');
      changes = locateChanges(changes, await addedStatements(head.migrations.files, base.migrations?.files ?? null));
    }
    const probed = options.probe !== false && base.engine !== null && head.engine !== null && changes.some((c) => c.class === 'widened' && c.role !== null);
    if (probed) {
      const { proveWidenings } = await import('./prove.js');
      changes = await proveWidenings(changes, base, head, { statementTimeoutMs: config.statementTimeoutMs, lockTimeoutMs: config.lockTimeoutMs, onProgress: options.onProgress });
    }
    return {
      tool: 'tenantguard',
      document: 'access-diff',
      formatVersion: 1,
      version: packageVersion(),
      tenantColumn: config.tenantColumn,
      base: { label: base.label, source: base.matrix.source, skipped: base.migrations?.skipped ?? [] },
      head: { label: head.label, source: head.matrix.source, skipped: head.migrations?.skipped ?? [] },
      changes,
      summary: countChanges(changes),
      probed,
    };
  } finally {
    await head?.close();
    await base.close();
  }
}

/** `tenantguard snapshot`: the access matrix of one source. */
export async function snapshotAccess(
  options: Omit<DiffOptions, 'base' | 'probe' | 'onSource'> & { offline?: boolean; onSource?: (description: string) => void },
): Promise<AccessMatrix> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const config = await diffConfig(options, cwd, env);
  startLoadingParser();
  const { openHead } = await import('./sides.js');
  const side = await openHead({ cwd, env, config, onProgress: options.onProgress, db: options.db, migrations: options.migrations, offline: options.offline ?? false });
  try {
    options.onSource?.(side.description);
    return side.matrix;
  } finally {
    await side.close();
  }
}
