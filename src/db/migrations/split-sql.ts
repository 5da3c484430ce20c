import type { ParseResult } from '../../sql/parse-tree.js';
import { loadParser, type SqlParser } from '../../sql/parser.js';
import type { MigrationStatement } from '../types.js';
import { statementTraits } from './batching.js';
import { hostAccessIn } from './host-access.js';
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
 * Text parsed at once, at most (256 KiB). libpg-query returns a statement
 * list as JSON that is many times the size of its text, and the WebAssembly
 * memory it grows to is never given back: a 50 MB data migration parsed
 * whole needs gigabytes, or fails. Larger texts are parsed piece by piece.
 */
const PIECE_CHARS = 1 << 18;

/**
 * Split SQL text into statements with PostgreSQL's own parser (libpg-query,
 * the same grammar as the server), so semicolons inside strings, dollar-quoted
 * function bodies and comments are handled exactly as Postgres handles them.
 * Each statement starts at its first token (leading comments dropped) and
 * carries the 1-based line of that token, counted from `firstLine`.
 *
 * A text longer than PIECE_CHARS is cut after a `;` that ends a line and each
 * piece parsed on its own. A cut inside a string, a comment or a function
 * body leaves the piece unterminated or ending mid-statement: the parser says
 * so, and the piece is grown to a later cut and parsed again.
 */
export async function splitSql(text: string, firstLine = 1): Promise<MigrationStatement[]> {
  // the parser is WebAssembly and takes ~0.1 s to load, so only migrations folders pay for it
  const parser = await loadParser();
  if (text.length <= PIECE_CHARS) return splitPiece(parser, text, firstLine);
  const statements: MigrationStatement[] = [];
  let line = firstLine;
  for (let start = 0; start < text.length; ) {
    let size = PIECE_CHARS;
    let end = cutAfter(text, start + size);
    for (;;) {
      try {
        for (const statement of splitPiece(parser, text.slice(start, end), line)) statements.push(statement);
        break;
      } catch (error) {
        if (end >= text.length || !(error instanceof SqlSyntaxError) || !CUT_MID_STATEMENT.test(error.message)) throw error;
        size *= 2;
        end = cutAfter(text, start + size);
      }
    }
    line += countNewlines(text.slice(start, end), end - start);
    start = end;
  }
  return statements;
}

/** What the parser says of a piece cut in the middle of a statement, a string or a comment. */
const CUT_MID_STATEMENT = /^unterminated |at end of input/;

/** The index just after the first `;` + line break at or after `from` (or the end of the text). */
function cutAfter(text: string, from: number): number {
  for (let i = text.indexOf(';', from); i >= 0; i = text.indexOf(';', i + 1)) {
    if (text[i + 1] === '\n') return i + 2;
    if (text[i + 1] === '\r' && text[i + 2] === '\n') return i + 3;
  }
  return text.length;
}

function splitPiece(parser: SqlParser, text: string, firstLine: number): MigrationStatement[] {
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
    const statement: MigrationStatement = { sql, line: line + countNewlines(raw, skip), traits: statementTraits(sql, stmt) };
    const hostAccess = stmt ? hostAccessIn(stmt, parser) : null;
    if (hostAccess) statement.hostAccess = hostAccess;
    statements.push(statement);
  }
  return statements;
}

function countNewlineBytes(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a, from); i >= 0 && i < to; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}
