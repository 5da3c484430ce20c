/**
 * The two sides of a diff, each read into an access matrix: a migrations
 * folder applied to the embedded engine (the working tree's, or the same
 * folder as it is at a git revision), a live database, or a snapshot file.
 * Engines are opened through src/db's openSource, like an audit's, so every
 * speed-up of the embedded engine (the data-directory caches) serves both.
 * Embedded sides stay open until closed, for the probe.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Config } from '../config/types.js';
import type { OpenedSource } from '../db/source.js';
import type { AppliedMigrations } from '../db/types.js';
import { MigrationError, TenantguardError, UsageError } from '../errors.js';
import type { RuleContext } from '../rules/types.js';
import { buildAccessMatrix } from './build-matrix.js';
import { folderAtRevision, repositoryRoot, resolveRevision } from './git.js';
import { MATRIX_FORMAT_VERSION, type AccessMatrix } from './matrix.js';
import { readSnapshot } from './snapshot.js';
import { packageVersion } from '../version.js';

export interface Side {
  /** How the side is named in reports: `main (3f2a1b0)`, `working tree`, `database app`, `snapshot access.json`. */
  label: string;
  /** The source line printed on stderr (password masked). */
  description: string;
  matrix: AccessMatrix;
  /** The migration files applied, for locating changes; null for a database or snapshot. */
  migrations: AppliedMigrations | null;
  /** The embedded engine, kept open for the probe; null for anything else. */
  engine: { source: OpenedSource; context: RuleContext } | null;
  close(): Promise<void>;
}

export interface SideRequest {
  cwd: string;
  env: Record<string, string | undefined>;
  config: Config;
  onProgress?: (message: string) => void;
  /** Keep an embedded engine open for the probe; otherwise it is stopped once read, freeing its memory. */
  keepEngine?: boolean;
}

/**
 * Reads an opened source's catalog (read only) and builds its matrix. The head
 * is checked as an audit's source is (tables, the tenant column, the app role):
 * a wrong input would make every cell vanish and the diff look clean. The base
 * may lack them (the change creates the first tables, or the role).
 */
async function readSource(opened: OpenedSource, config: Config, checkInputs: boolean): Promise<{ matrix: AccessMatrix; context: RuleContext }> {
  const [{ withReadOnlyTransaction }, { introspect }, { buildRuleContext }, inputs] = await Promise.all([
    import('../db/transaction.js'),
    import('../catalog/introspect.js'),
    import('../check/context.js'),
    import('../check/inputs.js'),
  ]);
  const catalog = await withReadOnlyTransaction(opened.connection, (client) => introspect(client, { schemas: config.schemas }));
  const context = await buildRuleContext(catalog, config);
  if (checkInputs) {
    inputs.assertSomethingToAudit(catalog, context, opened.source);
    inputs.assertAppRoleExists(catalog, context, opened.source);
  }
  return { matrix: buildAccessMatrix(context, opened.source), context };
}

async function sideFrom(label: string, opened: OpenedSource, config: Config, keepOpen: boolean, checkInputs = false): Promise<Side> {
  try {
    const { matrix, context } = await readSource(opened, config, checkInputs);
    if (!keepOpen) await opened.close();
    return {
      label,
      description: opened.description,
      matrix,
      migrations: opened.migrations,
      engine: keepOpen ? { source: opened, context } : null,
      close: opened.close,
    };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/**
 * The head of a diff, or what a snapshot reads: `--db URL`, `--migrations
 * DIR`, then (unless offline) a URL from the environment, then the migrations
 * folder found in the working directory — as an audit chooses.
 */
export async function openHead(request: SideRequest & { db?: string; migrations?: string; offline: boolean }): Promise<Side> {
  const { openSource } = await import('../db/source.js');
  const opened = await openSource({
    db: request.db,
    migrations: request.migrations,
    offline: request.offline,
    cwd: request.cwd,
    env: request.env,
    statementTimeoutMs: request.config.statementTimeoutMs,
    lockTimeoutMs: request.config.lockTimeoutMs,
    onProgress: request.onProgress,
  });
  const label = opened.migrations === null ? `database ${opened.source.name}` : 'working tree';
  return sideFrom(label, opened, request.config, opened.migrations !== null && request.keepEngine === true, true);
}

/** `--base-db URL`: read, then closed at once (the probe never runs on a live database). */
export async function openBaseDatabase(request: SideRequest & { url: string }): Promise<Side> {
  const { openSource } = await import('../db/source.js');
  const opened = await openSource({
    db: request.url,
    cwd: request.cwd,
    env: request.env,
    statementTimeoutMs: request.config.statementTimeoutMs,
    lockTimeoutMs: request.config.lockTimeoutMs,
  });
  return sideFrom(`database ${opened.source.name}`, opened, request.config, false);
}

/** `--base-snapshot FILE`: a matrix written by `tenantguard snapshot`. */
export async function openBaseSnapshot(request: SideRequest & { file: string }): Promise<Side> {
  const matrix = await readSnapshot(resolve(request.cwd, request.file), request.file);
  const { config } = request;
  for (const [what, taken, now] of [['tenant column', matrix.tenantColumn, config.tenantColumn], ['app role', matrix.appRole, config.appRole]] as const) {
    if (taken !== now) {
      throw new UsageError(
        `${request.file} was taken with ${what} ${taken ?? '(none)'}, this diff uses ${now ?? '(none)'}`,
        'take the snapshot with the same tenantguard.config.json, --tenant-column and --app-role as the diff',
      );
    }
  }
  return { label: `snapshot ${request.file}`, description: `snapshot ${request.file} of ${matrix.source.kind} ${matrix.source.name}`, matrix, migrations: null, engine: null, close: async () => {} };
}

/** The migrations folder the head reads, as an absolute real path. */
async function headFolder(request: SideRequest & { migrations?: string }): Promise<string> {
  const { chooseSource } = await import('../db/source.js');
  const choice = await chooseSource({ migrations: request.migrations, cwd: request.cwd, env: request.env, offline: true });
  if (choice.kind !== 'migrations') throw new UsageError('--base compares migrations folders', 'name the folder with --migrations DIR');
  return realpath(resolve(request.cwd, choice.folder)).catch(() => resolve(request.cwd, choice.folder));
}

function emptyMatrix(config: Config, name: string): AccessMatrix {
  return {
    tool: 'tenantguard',
    document: 'access-matrix',
    formatVersion: MATRIX_FORMAT_VERSION,
    version: packageVersion(),
    source: { kind: 'migrations', name },
    tenantColumn: config.tenantColumn,
    appRole: config.appRole,
    tables: [],
    views: [],
    functions: [],
    roles: [],
  };
}

/**
 * `--base REF` (default: the merge base with the default branch): the head's
 * migrations folder as it is at that revision, written to a temporary folder
 * at the same path relative to the repository, so file names read the same on
 * both sides. A folder missing at the revision is an empty schema.
 */
export async function openBaseRevision(request: SideRequest & { ref?: string; migrations?: string }): Promise<Side> {
  const folder = await headFolder(request);
  const root = await repositoryRoot(request.cwd);
  const revision = await resolveRevision(root, request.ref, request.env);
  const label = `${revision.label} (${revision.commit.slice(0, 7)})`;
  const inRepository = relative(root, folder);
  if (inRepository.startsWith('..')) throw new UsageError(`the migrations folder ${folder} is outside the git repository ${root}`, 'run tenantguard diff inside the repository that holds the migrations');
  const checkout = await folderAtRevision(root, revision.commit, inRepository);
  const shown = relative(request.cwd, folder) || '.';
  if (checkout.files === 0) {
    await checkout.remove();
    return { label, description: `${label}: no ${shown} folder`, matrix: emptyMatrix(request.config, shown), migrations: null, engine: null, close: async () => {} };
  }
  const cwd = join(checkout.root, relative(root, await realpath(request.cwd).catch(() => request.cwd)));
  let side: Side;
  try {
    await mkdir(cwd, { recursive: true });
    const { openSource } = await import('../db/source.js');
    const opened = await openSource({
      migrations: join(checkout.root, inRepository),
      offline: true,
      cwd,
      env: request.env,
      statementTimeoutMs: request.config.statementTimeoutMs,
      lockTimeoutMs: request.config.lockTimeoutMs,
      onProgress: request.onProgress,
    });
    side = await sideFrom(label, opened, request.config, request.keepEngine === true);
  } catch (error) {
    await checkout.remove();
    throw atRevision(error, label);
  }
  return { ...side, description: `${shown} at ${label}`, close: async () => { await side.close(); await checkout.remove(); } };
}

/** Failures of the base's migrations name the revision: `at main (3f2a1b0): drizzle/0003.sql:4: …`. */
function atRevision(error: unknown, label: string): unknown {
  if (error instanceof MigrationError) {
    return new TenantguardError(`the migrations at ${label} do not apply: ${error.message}`, error.hint);
  }
  if (error instanceof TenantguardError) return new TenantguardError(`at ${label}: ${error.message}`, error.hint);
  return error;
}
