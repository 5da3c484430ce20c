import { basename } from 'node:path';
import { MigrationError } from '../../errors.js';
import type { AppliedMigrations, DiscoveredMigrations, MigrationFile, MigrationStatement, Queryable, SkippedStatement } from '../types.js';
import { codePointToIndex, countNewlines } from './text-position.js';

interface PostgresError {
  message: string;
  code?: string;
  position?: string;
  hint?: string;
}

/**
 * Apply discovered migrations to an empty engine, statement by statement,
 * each in its own implicit transaction (as psql runs a file). The first
 * failing statement stops everything with a MigrationError at its file and
 * line — the line of Postgres' error position when it reports one.
 */
export async function applyMigrations(
  client: Queryable,
  migrations: DiscoveredMigrations,
  onProgress?: (message: string) => void,
): Promise<AppliedMigrations> {
  const total = migrations.files.length;
  if (migrations.prelude) await client.query(migrations.prelude);
  const skipped: SkippedStatement[] = [];
  const unavailable = new Set<string>();
  for (const [i, file] of migrations.files.entries()) {
    onProgress?.(`applying migration ${i + 1}/${total} ${basename(file.path)}`);
    for (const statement of file.statements) {
      try {
        await client.query(statement.sql);
      } catch (error) {
        const reason = migrations.skipsUnavailableExtensions ? needsUnavailableExtension(error, unavailable) : null;
        if (reason === null) throw migrationFailure(file, statement, error);
        skipped.push({ file: file.displayPath, line: statement.line, reason });
      }
    }
  }
  // A file may leave a transaction open (BEGIN without COMMIT) or change
  // session state (SET search_path, SET ROLE); the catalog must be read as
  // the superuser with defaults, after everything is committed. COMMIT with
  // no open transaction is only a warning.
  await client.query('COMMIT');
  await client.query('DISCARD ALL');
  return { ...migrations, skipped };
}

/** Errors from objects that a missing extension would have created: type, function, schema, relation, the extension itself. */
const UNDEFINED_OBJECT_CODES = new Set(['42704', '42883', '3F000', '42P01']);

/**
 * Why a failed statement may be skipped: CREATE EXTENSION of one the engine
 * does not ship, or — once one was skipped — a statement failing on an
 * undefined object (which that extension would have created). Null: a real error.
 */
function needsUnavailableExtension(error: unknown, unavailable: Set<string>): string | null {
  const pgError = error as PostgresError;
  const missing = pgError?.code === '0A000' ? /extension "([^"]+)" is not available/.exec(pgError.message) : null;
  if (missing) {
    unavailable.add(missing[1]!);
    return `extension "${missing[1]}" is not available in the embedded engine`;
  }
  if (unavailable.size > 0 && UNDEFINED_OBJECT_CODES.has(pgError?.code ?? '')) {
    const names = [...unavailable].map((n) => `"${n}"`).join(', ');
    return `${pgError.message.split('\n', 1)[0]} (needs extension ${names}, not available in the embedded engine)`;
  }
  return null;
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

function migrationFailure(file: MigrationFile, statement: MigrationStatement, error: unknown): unknown {
  const pgError = error as PostgresError;
  if (typeof pgError?.code !== 'string' || typeof pgError.message !== 'string') return error;
  // Postgres' position is 1-based and counts characters of the statement text.
  const position = Number(pgError.position);
  const line = Number.isInteger(position) && position > 0
    ? statement.line + countNewlines(statement.sql, codePointToIndex(statement.sql, position - 1))
    : statement.line;
  return new MigrationError(file.displayPath, line, pgError.message.split('\n', 1)[0]!, hintFor(pgError));
}

function hintFor(error: PostgresError): string {
  if (error.code === '0A000' && /extension .* is not available/.test(error.message)) {
    return 'the embedded engine (PGlite, PostgreSQL 18) does not ship this extension; audit a database that has the migrations applied with --db URL';
  }
  const advice = 'migrations run in order on an empty embedded PostgreSQL 18; fix the statement, or audit a database that has them applied with --db URL';
  return error.hint ? `${error.hint} (${advice})` : advice;
}
