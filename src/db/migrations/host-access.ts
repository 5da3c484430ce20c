/**
 * Statements that run a program or read or write files on the database
 * server: `COPY … PROGRAM`, `COPY … FROM/TO 'file'`, the server-file
 * functions (`pg_read_file`, `lo_import`, `pg_ls_dir` …) and file_fdw
 * foreign tables. On a real server they act on the host as the server's
 * operating-system user; the embedded engine has no programs and an
 * in-memory file system, where they fail with a misleading "no such file",
 * silently read or write nothing, or wait forever. An offline audit refuses
 * them, before the engine starts, naming the statement's file:line.
 *
 * Found in the parse tree of each statement (recorded when the file is
 * split, so nothing is parsed twice), including the bodies of DO blocks and
 * of SQL and PL/pgSQL functions, which a later statement or a trigger may run
 * while the migrations are applied. SQL that a function builds at run time
 * (EXECUTE of a computed string) cannot be seen; the statement timeout still
 * bounds it and the engine's file system still holds no host file.
 */
import { MigrationError } from '../../errors.js';
import { nodeAs, stringsOf, type Node } from '../../sql/parse-tree.js';
import type { SqlParser } from '../../sql/parser.js';
import type { DiscoveredMigrations } from '../types.js';

/** Built-in functions that read, list, write or remove files on the server, and what each does. */
const SERVER_FILE_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ...['pg_read_file', 'pg_read_binary_file', 'pg_stat_file', 'lo_import'].map((name) => [name, 'reads a file on the database server'] as const),
  ...['pg_ls_dir', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir', 'pg_ls_archive_statusdir', 'pg_ls_logicalsnapdir', 'pg_ls_logicalmapdir', 'pg_ls_replslotdir', 'pg_ls_summariesdir']
    .map((name) => [name, 'lists a folder on the database server'] as const),
  ...['lo_export', 'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync'].map((name) => [name, 'writes a file on the database server'] as const),
]);

/** Throws a MigrationError at the first statement that runs a program or touches server files. */
export function refuseHostAccess(migrations: DiscoveredMigrations): void {
  for (const file of migrations.files) {
    for (const statement of file.statements) {
      const reason = statement.hostAccess;
      if (!reason) continue;
      throw new MigrationError(
        file.displayPath,
        statement.line,
        `${reason}: the embedded engine does not run it`,
        'the embedded engine runs no programs and has no server files; load data outside the schema migrations (a seed script), or audit a database that has the migrations applied with --db URL',
      );
    }
  }
}

/** What in this tree runs a program or touches server files, or null. */
export function hostAccessIn(tree: unknown, parser: SqlParser): string | null {
  let found: string | null = null;
  const visit = (value: unknown): void => {
    if (found || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    found = refusalOf(value as Node, parser);
    if (!found) for (const child of Object.values(value)) visit(child);
  };
  visit(tree);
  return found;
}

function refusalOf(node: Node, parser: SqlParser): string | null {
  const copy = nodeAs(node, 'CopyStmt');
  if (copy?.is_program) return `COPY … ${copy.is_from ? 'FROM' : 'TO'} PROGRAM runs a program on the database server`;
  if (copy?.filename) return `COPY … ${copy.is_from ? 'FROM' : 'TO'} '${copy.filename}' ${copy.is_from ? 'reads' : 'writes'} a file on the database server`;

  const call = nodeAs(node, 'FuncCall');
  if (call) {
    const name = stringsOf(call.funcname);
    const schema = name.length > 1 ? name[name.length - 2] : 'pg_catalog';
    const does = schema === 'pg_catalog' ? SERVER_FILE_FUNCTIONS.get(name.at(-1)!) : undefined;
    if (does) return `${name.at(-1)}() ${does}`;
  }

  const foreign = nodeAs(node, 'CreateForeignTableStmt');
  for (const option of foreign?.options ?? []) {
    const defname = nodeAs(option, 'DefElem')?.defname;
    if (defname === 'program') return 'a foreign table with the program option runs a program on the database server';
    if (defname === 'filename') return 'a foreign table with the filename option reads a file on the database server';
  }

  const body = codeBody(node);
  return body ? bodyRefusal(body.language, body.code, parser) : null;
}

/** The code of a DO block or of a SQL or PL/pgSQL function defined with AS '…' (a string the parser does not look into). */
function codeBody(node: Node): { language: string; code: string } | null {
  const block = nodeAs(node, 'DoStmt');
  const fn = nodeAs(node, 'CreateFunctionStmt');
  const options = block?.args ?? fn?.options;
  if (!options) return null;
  let language = block ? 'plpgsql' : 'sql';
  let code: string | null = null;
  for (const option of options) {
    const def = nodeAs(option, 'DefElem');
    if (def?.defname === 'language') language = (nodeAs(def.arg, 'String')?.sval ?? language).toLowerCase();
    if (def?.defname === 'as') {
      // A function's AS is a list (body, or object file and link symbol); a DO block's is one string.
      code = nodeAs(def.arg, 'String')?.sval ?? stringsOf(nodeAs(def.arg, 'List')?.items)[0] ?? null;
    }
  }
  return code === null ? null : { language, code };
}

function bodyRefusal(language: string, code: string, parser: SqlParser): string | null {
  try {
    if (language === 'sql') return hostAccessIn(parser.parse(code), parser);
    if (language !== 'plpgsql') return null;
    const queries: string[] = [];
    collectPlpgsqlQueries(parser.parsePlpgsqlFunction(code, '', 'void'), queries);
    for (const query of queries) {
      // Expressions (x > 0, f(y)) and assignments (x := f(y)) parse as a SELECT list; whole statements as themselves.
      const tree = parseLoosely(parser, query) ?? parseLoosely(parser, `SELECT ${query.replace(/^[^;]*?:=/, '')}`);
      const reason = tree ? hostAccessIn(tree, parser) : null;
      if (reason) return reason;
    }
  } catch {
    // A body that does not parse is the engine's to reject when it is created.
  }
  return null;
}

function parseLoosely(parser: SqlParser, sql: string): unknown {
  try {
    return parser.parse(sql);
  } catch {
    return null;
  }
}

/** Every SQL text of a PL/pgSQL tree (statements and expressions). */
function collectPlpgsqlQueries(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectPlpgsqlQueries(item, out);
    return;
  }
  const expr = (value as { PLpgSQL_expr?: { query?: unknown } }).PLpgSQL_expr;
  if (typeof expr?.query === 'string') out.push(expr.query);
  for (const child of Object.values(value)) collectPlpgsqlQueries(child, out);
}
