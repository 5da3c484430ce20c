import { relative } from 'node:path';
import { TenantguardError, UsageError } from '../errors.js';
import { connectLive } from './connect.js';
import { findDatabaseUrl } from './env-file.js';
import { checkLimits, connection, type TransactionLimits } from './transaction.js';
import type { OpenedSource, SourceRequest } from './types.js';
import { describeTarget, parseDatabaseUrl } from './url.js';

export type { OpenedSource, SourceRequest } from './types.js';

/** Which source a request resolves to, and why (for the stderr line). */
export type SourceChoice =
  | { kind: 'database'; url: string; origin: string }
  | { kind: 'migrations'; folder: string; origin: string };

const SOURCE_HINT =
  'pass --db URL, set TENANTGUARD_DATABASE_URL or DATABASE_URL (in the environment, .env.local or .env), ' +
  'or pass --migrations DIR (drizzle.config out, supabase/migrations, prisma/migrations, migrations/ and drizzle/ are found automatically)';

/**
 * Resolve the source without opening it. Explicit flags first (--db, or
 * --migrations: a flag on the command line outranks a DATABASE_URL that
 * happens to be in the environment), then TENANTGUARD_DATABASE_URL, then
 * DATABASE_URL (environment, .env.local, .env), then an auto-detected
 * migrations folder.
 */
export async function chooseSource(request: Pick<SourceRequest, 'db' | 'migrations' | 'cwd' | 'env' | 'offline'>): Promise<SourceChoice> {
  const { db, migrations, cwd, env } = request;
  if (request.offline && db !== undefined) {
    throw new UsageError('--db and --offline cannot be used together', '--offline audits the migrations folder on the embedded engine');
  }
  if (db !== undefined && migrations !== undefined) {
    throw new UsageError('--db and --migrations cannot be used together', 'audit either a live database (--db URL) or a migrations folder (--migrations DIR)');
  }
  if (db !== undefined) {
    if (db.trim() === '') throw new UsageError('--db needs a database URL', 'e.g. --db postgres://user:password@host:5432/database');
    return { kind: 'database', url: db, origin: '--db' };
  }
  if (migrations !== undefined) {
    if (migrations.trim() === '') throw new UsageError('--migrations needs a folder', 'e.g. --migrations drizzle');
    return { kind: 'migrations', folder: migrations, origin: '--migrations' };
  }
  const setting = request.offline ? null : await findDatabaseUrl(cwd, env);
  if (setting) {
    const origin = setting.origin === 'environment' ? setting.name : `${setting.name} in ${setting.origin}`;
    return { kind: 'database', url: setting.value, origin };
  }
  const { findMigrationsFolder } = await import('./migrations/find-folder.js');
  const search = await findMigrationsFolder(cwd);
  if (search.found) return { kind: 'migrations', folder: search.found.folder, origin: search.found.reason };
  if (search.several.length > 1) {
    const choices = search.several.map((c) => (c.reason === relative(cwd, c.folder) ? c.reason : `${relative(cwd, c.folder)} (${c.reason})`));
    throw new TenantguardError(
      `${search.several.length} migrations folders below ${cwd}: ${choices.join(', ')}`,
      `pass the one to audit with --migrations DIR (e.g. --migrations ${relative(cwd, search.several[0]!.folder)}), or run tenantguard in that package's folder`,
    );
  }
  const unreadable = search.unreadable.length > 0 ? ` (${search.unreadable.join(', ')}: no migrations tenantguard can read)` : '';
  throw new TenantguardError(`no database or migrations folder to audit in ${cwd}${unreadable}`, SOURCE_HINT);
}

/**
 * Open what the request names: a live connection (application_name
 * tenantguard, the request's statement and lock timeouts for every
 * transaction, sslmode honoured), or the embedded engine with the migrations
 * folder applied. The caller must close() it.
 */
export async function openSource(request: SourceRequest): Promise<OpenedSource> {
  const choice = await chooseSource(request);
  return choice.kind === 'database' ? openDatabase(choice, request) : openMigrations(choice, request);
}

/** Checked before anything is opened, so bad values never reach a server. */
function limitsOf(request: SourceRequest): TransactionLimits {
  return checkLimits({ statementTimeoutMs: request.statementTimeoutMs, lockTimeoutMs: request.lockTimeoutMs });
}

async function openDatabase(choice: Extract<SourceChoice, { kind: 'database' }>, request: SourceRequest): Promise<OpenedSource> {
  const target = parseDatabaseUrl(choice.url, request.env);
  const limits = limitsOf(request);
  const client = await connectLive(target);
  let closed = false;
  return {
    connection: connection(client, limits),
    source: { kind: 'database', name: target.database },
    description: describeTarget(target) + (choice.origin === '--db' ? '' : `, from ${choice.origin}`),
    migrations: null,
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => {});
    },
  };
}

/**
 * TENANTGUARD_SNAPSHOT_MIN_STATEMENTS, when it is a whole number: prefix snapshots are taken only when it
 * is set, since restoring one does not yet cost less than applying the files again (docs/offline.md).
 */
function snapshotMinStatements(env: Record<string, string | undefined>): number | undefined {
  const value = env.TENANTGUARD_SNAPSHOT_MIN_STATEMENTS;
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

async function openMigrations(choice: Extract<SourceChoice, { kind: 'migrations' }>, request: SourceRequest): Promise<OpenedSource> {
  const limits = limitsOf(request);
  // A live audit never loads the migration readers and the engine's loaders.
  const [{ applyMigrations, BatchTimedOut, extensionsCreatedBy }, { discoverMigrations, displayPath }, { readSetupFiles }, { refuseHostAccess }] =
    await Promise.all([
      import('./migrations/apply.js'),
      import('./migrations/discover.js'),
      import('./migrations/setup.js'),
      import('./migrations/host-access.js'),
    ]);
  const found = await discoverMigrations(choice.folder, request.cwd);
  // Setup files run first (after the platform's prelude), as the SQL that made the live database's roles did.
  const setup = await readSetupFiles(request.setup ?? [], request.cwd);
  const discovered = setup.length > 0 ? { ...found, files: [...setup, ...found.files] } : found;
  refuseHostAccess(discovered);
  const [{ openEmbedded }, { embeddedCacheDir }] = await Promise.all([import('./embedded.js'), import('./embedded-cache.js')]);
  const cacheDir = embeddedCacheDir(request.env);
  const minStatements = snapshotMinStatements(request.env);
  const snapshots =
    cacheDir && minStatements !== undefined ? await (await import('./migrations/prefix-snapshots.js')).prefixSnapshots(cacheDir, discovered, minStatements) : null;
  const oneByOne = new Set<string>();
  for (;;) {
    request.onProgress?.('starting the embedded PostgreSQL engine (PGlite)');
    const restore = snapshots?.longest() ?? null;
    const engine = await openEmbedded({
      extensions: [...extensionsCreatedBy(discovered), ...(discovered.platformExtensions ?? [])],
      cacheDir,
      restore,
      statementTimeoutMs: limits.statementTimeoutMs,
    });
    try {
      const resume = engine.restored;
      if (restore && !resume) snapshots?.missed(restore);
      if (resume) request.onProgress?.(`restored the engine after ${resume.files} of ${discovered.files.length} files from a cached snapshot`);
      const applied = await applyMigrations(engine.client, discovered, request.onProgress, {
        oneByOne,
        resume,
        onPrefix: snapshots ? (state) => snapshots.save(engine, state, resume) : undefined,
      });
      const shown = displayPath(discovered.folder, request.cwd);
      const files = applied.files.length - setup.length;
      const count = `${files} file${files === 1 ? '' : 's'}`;
      const via = choice.origin === '--migrations' ? '' : `, found via ${choice.origin}`;
      const after = setup.length > 0 ? `, after setup ${setup.map((f) => f.displayPath).join(', ')}` : '';
      const restored = resume ? ` (the first ${resume.files} of ${discovered.files.length} restored from a cached snapshot)` : '';
      return {
        connection: connection(engine.client, limits),
        source: { kind: 'migrations', name: shown },
        description: `migrations ${shown} (${applied.layout}, ${count}) applied to the embedded ${engine.version}${restored}${after}${via}`,
        migrations: applied,
        close: engine.close,
      };
    } catch (error) {
      await engine.close();
      // The engine was stopped inside a batch: start over, that file statement by statement, to find the statement.
      if (!(error instanceof BatchTimedOut) || oneByOne.has(error.file.path)) throw error;
      oneByOne.add(error.file.path);
      request.onProgress?.(`${error.message}; applying again statement by statement to find the slow statement`);
    }
  }
}
