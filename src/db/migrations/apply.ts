import { basename } from 'node:path';
import { MigrationError } from '../../errors.js';
import { EngineFailedError, EngineTimeoutError } from '../engine-stopped.js';
import type { AppliedMigrations, DiscoveredMigrations, MigrationFile, MigrationStatement, PrefixState, Queryable, SkippedStatement } from '../types.js';
import { objectsCreatedBy, UnavailablePieces, undefinedObjectOf } from './unavailable.js';
import { codePointToIndex, countNewlines } from './text-position.js';

interface PostgresError {
  message: string;
  code?: string;
  position?: string;
  hint?: string;
}

/**
 * Apply discovered migrations to an empty engine with the result of running
 * them statement by statement, each in its own implicit transaction (as psql
 * runs a file). The first failing statement stops everything with a
 * MigrationError at its file and line — the line of Postgres' error position
 * when it reports one.
 *
 * For speed a file is first sent as one batch in a transaction with
 * constraints checked immediately, which commits exactly what the statements
 * run one by one would: each statement's own commit would check deferred
 * constraints right after it, and files whose statements behave differently
 * inside a transaction are never batched (see batching.ts). When the batch
 * fails, it is rolled back whole and the file replayed statement by statement
 * — which yields the same error at its exact position, or the one-by-one
 * result where a statement cannot run in a transaction block
 * (CREATE INDEX CONCURRENTLY) or needs a missing extension to be skipped.
 *
 * A statement that needs an extension the engine does not ship is skipped
 * and listed, with every later statement that fails on an object that
 * extension (or a skipped statement) would have created — and only those
 * (see unavailable.ts): an unrelated error still stops everything.
 *
 * With `resume`, the engine already holds the first files (restored from a
 * snapshot taken after them, with the prelude): only the files after them
 * are applied, continuing from the skipping state the snapshot carries.
 */
export async function applyMigrations(
  client: Queryable,
  migrations: DiscoveredMigrations,
  onProgress?: (message: string) => void,
  options: ApplyOptions = {},
): Promise<AppliedMigrations> {
  const total = migrations.files.length;
  const { resume, onPrefix } = options;
  if (migrations.prelude && !resume) await client.query(migrations.prelude);
  const skipped: SkippedStatement[] = [...(resume?.skipped ?? [])];
  const unavailable = new UnavailablePieces(resume?.unavailable);
  // A file may BEGIN without COMMIT; until some later COMMIT, statements run
  // inside that transaction and must not be batched in one of their own.
  // A snapshot is only ever taken outside a transaction.
  let inTransaction = false;
  // Once a statement changed the session (SET, SET ROLE, a temporary table),
  // later files run in a session no restored data directory has.
  let sessionChanged = false;
  for (let i = resume?.files ?? 0; i < total; i++) {
    const file = migrations.files[i]!;
    onProgress?.(`applying migration ${i + 1}/${total} ${basename(file.path)}`);
    sessionChanged ||= file.statements.some((statement) => statement.traits?.session !== false);
    const batch = !inTransaction && canBatch(file) && !options.oneByOne?.has(file.path);
    if (batch && (await appliedAsBatch(client, file))) {
      if (onPrefix && !sessionChanged) await onPrefix({ files: i + 1, skipped: [...skipped], unavailable: unavailable.state() });
      continue;
    }
    for (const statement of file.statements) {
      try {
        await client.query(statement.sql);
      } catch (error) {
        const reason = unavailable.reasonToSkip(error);
        if (reason === null) throw migrationFailure(file, statement, error, unavailable.unavailableExtensions);
        const creates = await objectsCreatedBy(statement.sql);
        unavailable.recordSkipped(creates, `${file.displayPath}:${statement.line}`);
        skipped.push({ file: file.displayPath, line: statement.line, reason, ...(creates.length > 0 ? { creates } : {}) });
      }
      const effect = statement.traits?.transaction;
      if (effect) inTransaction = effect === 'opens';
    }
    if (onPrefix && !sessionChanged && !inTransaction) await onPrefix({ files: i + 1, skipped: [...skipped], unavailable: unavailable.state() });
  }
  // A file may leave a transaction open (BEGIN without COMMIT) or change
  // session state (SET search_path, SET ROLE); the catalog must be read as
  // the superuser with defaults, after everything is committed. COMMIT with
  // no open transaction is only a warning.
  await client.query('COMMIT');
  await client.query('DISCARD ALL');
  return { ...migrations, skipped };
}

export interface ApplyOptions {
  /** Files (absolute paths) to run statement by statement even when they could be batched. */
  oneByOne?: ReadonlySet<string>;
  /** The engine already holds the prelude and this many first files (a restored snapshot), and this state. */
  resume?: PrefixState | null;
  /**
   * Called after each file when the engine may be snapshotted there: no
   * transaction left open, no statement so far changed the session. The
   * engine is idle while it runs.
   */
  onPrefix?: (state: PrefixState) => Promise<void>;
}

/**
 * A file sent as one batch outlived the statement timeout and the engine was
 * stopped. Which statement was running cannot be told from outside the
 * engine: the caller starts a new engine and applies again, this file
 * statement by statement (see source.ts), which finds it — or finds that no
 * single statement is too slow, since the timeout applies to each statement.
 */
export class BatchTimedOut extends Error {
  constructor(readonly file: MigrationFile) {
    super(`${file.displayPath} ran longer than the statement timeout as one batch`);
    this.name = 'BatchTimedOut';
  }
}

function canBatch(file: MigrationFile): boolean {
  return file.statements.length > 1 && file.statements.every((statement) => statement.traits?.batchable === true);
}

/**
 * SQL sent to the engine in one message, at most (about 1 MiB). Postgres
 * parses a whole multi-statement message before running any of it, so a
 * 50 MB data migration sent at once would hold every statement's parse tree
 * in the engine's memory together.
 */
const MESSAGE_CHARS = 1 << 20;

/** True when the whole file ran and committed; false when it was rolled back and must be replayed. */
async function appliedAsBatch(client: Queryable, file: MigrationFile): Promise<boolean> {
  try {
    // One transaction for the file, sent in as few messages as MESSAGE_CHARS allows (one, for most files).
    let message = 'BEGIN;\nSET CONSTRAINTS ALL IMMEDIATE;\n';
    for (const statement of file.statements) {
      if (message.length + statement.sql.length > MESSAGE_CHARS && message !== '') {
        // CHECKPOINT lets the engine drop the write-ahead log written so far, which it keeps in memory.
        await client.query(`${message}CHECKPOINT`);
        message = '';
      }
      // A newline before each `;`: a statement's text may end in a `--` comment.
      message += `${statement.sql}\n;\n`;
    }
    await client.query(`${message}COMMIT`);
    return true;
  } catch (error) {
    if (error instanceof EngineTimeoutError) throw new BatchTimedOut(file);
    if (error instanceof EngineFailedError) throw migrationFailure(file, file.statements[0]!, error, []);
    // The rest of the transaction after the error was not executed; it is aborted.
    await client.query('ROLLBACK');
    return false;
  }
}

/**
 * Extension names a migration set creates, for the embedded engine to load
 * before it starts (PGlite needs contrib extensions registered up front).
 */
export function extensionsCreatedBy(migrations: DiscoveredMigrations): string[] {
  const names = new Set<string>();
  for (const file of migrations.files) {
    for (const { sql } of file.statements) {
      const match = /^create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$-]*))/i.exec(sql);
      if (match) names.add(match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]!.toLowerCase());
    }
  }
  return [...names];
}

function migrationFailure(file: MigrationFile, statement: MigrationStatement, error: unknown, unavailable: readonly string[]): unknown {
  if (error instanceof EngineTimeoutError) {
    return new MigrationError(
      file.displayPath,
      statement.line,
      `the statement ran longer than the statement timeout (${error.timeoutMs} ms); the embedded engine was stopped`,
      'the embedded engine runs each statement under --statement-timeout MS ("statementTimeoutMs" in the config; 0 = no limit); fix the statement, raise the limit, or audit a database with --db URL',
    );
  }
  if (error instanceof EngineFailedError) {
    return new MigrationError(file.displayPath, statement.line, error.message, 'audit a database that has the migrations applied with --db URL');
  }
  const pgError = error as PostgresError;
  if (typeof pgError?.code !== 'string' || typeof pgError.message !== 'string') return error;
  // Postgres' position is 1-based and counts characters of the statement text.
  const position = Number(pgError.position);
  const line = Number.isInteger(position) && position > 0
    ? statement.line + countNewlines(statement.sql, codePointToIndex(statement.sql, position - 1))
    : statement.line;
  return new MigrationError(file.displayPath, line, pgError.message.split('\n', 1)[0]!, hintFor(pgError, unavailable));
}

function hintFor(error: PostgresError, unavailable: readonly string[]): string {
  if (unavailable.length > 0 && undefinedObjectOf(error)) {
    const names = unavailable.map((n) => `"${n}"`).join(', ');
    return `if it comes from extension ${names}, which the embedded engine does not ship, create a stand-in for it in a --setup FILE; or audit a database that has the migrations applied with --db URL`;
  }
  if (error.code === '0A000' && /extension .* is not available/.test(error.message)) {
    return 'the embedded engine (PGlite, PostgreSQL 18) does not ship this extension; audit a database that has the migrations applied with --db URL';
  }
  const advice = 'migrations run in order on an empty embedded PostgreSQL 18; fix the statement, or audit a database that has them applied with --db URL';
  return error.hint ? `${error.hint} (${advice})` : advice;
}
