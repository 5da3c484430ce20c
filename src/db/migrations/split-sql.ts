import type { ParseResult } from '../../sql/parse-tree.js';
import { loadParser } from '../../sql/parser.js';
import type { MigrationStatement } from '../types.js';
import { recordTraits } from './batching.js';
import { recordHostAccess } from './host-access.js';
import { codePointToIndex, countNewlines, leadingTriviaLength } from './text-position.js';

/** A statement the PostgreSQL parser rejects; `line` is 1-based within the text that was split. */
export class SqlSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}


/**
 * Split SQL text into statements with PostgreSQL's own parser (libpg-query,
 * the same grammar as the server), so semicolons inside strings, dollar-quoted
 * function bodies and comments are handled exactly as Postgres handles them.
 * Each statement starts at its first token (leading comments dropped) and
 * carries the 1-based line of that token, counted from `firstLine`.
 */
export async function splitSql(text: string, firstLine = 1): Promise<MigrationStatement[]> {
  // the parser is WebAssembly and takes ~0.1 s to load, so only migrations folders pay for it
  const parser = await loadParser();
  // libpg-query rejects an empty string ("Query cannot be empty") where
  // Postgres runs nothing: an empty file, or the empty chunk after a drizzle
  // file's final `--> statement-breakpoint`, holds no statement.
  if (text === '') return [];
  let parsed: ParseResult;
  try {
    parsed = parser.parse(text);
  } catch (error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    if (!details) throw error;
    // cursorPosition is a 0-based character (code point) offset into `text`.
    const line = firstLine + countNewlines(text, codePointToIndex(text, details.cursorPosition));
    throw new SqlSyntaxError(line, details.message);
  }

  // stmt_location and stmt_len are UTF-8 byte offsets; 0 values are omitted
  // from the JSON, and a missing stmt_len means "to the end of the text".
  const bytes = Buffer.from(text, 'utf8');
  const statements: MigrationStatement[] = [];
  let scanned = 0;
  let line = firstLine;
  for (const { stmt, stmt_location: location = 0, stmt_len: length } of parsed.stmts ?? []) {
    line += countNewlineBytes(bytes, scanned, location);
    scanned = location;
    const raw = bytes.subarray(location, length ? location + length : bytes.length).toString('utf8');
    const skip = leadingTriviaLength(raw);
    const sql = raw.slice(skip).trimEnd();
    if (sql === '') continue;
    const statement = { sql, line: line + countNewlines(raw, skip) };
    recordTraits(statement, stmt);
    recordHostAccess(statement, stmt, parser);
    statements.push(statement);
  }
  return statements;
}

function countNewlineBytes(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a, from); i >= 0 && i < to; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}
