/**
 * The real Postgres parser: libpg-query, the server's own grammar compiled
 * to WebAssembly. It is the one way tenantguard reads SQL text (policy
 * expressions, function bodies, migration files, generated fixes).
 *
 * Loading it compiles the WebAssembly module (~0.1 s of CPU), so it is
 * loaded lazily — `--help`, `rules` and audits without policies or
 * migrations never pay for it — and only once per process: every caller
 * shares one promise. `startLoadingParser()` begins the compile without
 * waiting, so it overlaps with I/O (connecting, reading the catalog).
 */
import type { Node, ParseResult, PlpgsqlFunction, PlpgsqlParseResult } from './parse-tree.js';
import { nodeAs } from './parse-tree.js';

export interface StatementText {
  /** The statement's text, ending with `;`. */
  sql: string;
  node: Node;
}

export interface SqlParser {
  /** Parses SQL text into statements. Throws the parser's error (with `sqlDetails`) on invalid SQL. */
  parse(sql: string): ParseResult;
  /** The expression of `SELECT <expression>`, or null when the text is not exactly one expression. */
  parseExpression(expression: string): Node | null;
  /** Splits SQL text into its statements, each ending with `;`, with its parse tree. Throws on a syntax error. */
  splitStatements(sql: string): StatementText[];
  /**
   * Parses the body of a PL/pgSQL function with the given identity arguments
   * and result type into the PL/pgSQL tree. Throws when it is not valid PL/pgSQL.
   */
  parsePlpgsqlFunction(body: string, identityArguments: string, returns: string): PlpgsqlFunction | null;
}

type Library = typeof import('libpg-query');

let loading: Promise<SqlParser> | null = null;

/** The parser, loaded on first use; later calls share the same instance. */
export function loadParser(): Promise<SqlParser> {
  loading ??= import('libpg-query').then(async (lib) => {
    await lib.loadModule();
    return createParser(lib);
  });
  return loading;
}

/** Begins loading the parser in the background (failures surface at the next `loadParser()`). */
export function startLoadingParser(): void {
  loadParser().catch(() => {});
}

function createParser(lib: Library): SqlParser {
  const parse = (sql: string): ParseResult => lib.parseSync(sql);
  return {
    parse,
    parseExpression(expression) {
      let result: ParseResult;
      try {
        result = parse(`SELECT ${expression}`);
      } catch {
        return null;
      }
      const stmts = result.stmts ?? [];
      if (stmts.length !== 1) return null;
      const select = nodeAs(stmts[0]!.stmt, 'SelectStmt');
      const targets = select?.targetList;
      if (!select || select.fromClause || !targets || targets.length !== 1) return null;
      return nodeAs(targets[0], 'ResTarget')?.val ?? null;
    },
    splitStatements(sql) {
      // Statement locations are byte offsets into the UTF-8 text.
      const bytes = Buffer.from(sql, 'utf8');
      return (parse(sql).stmts ?? []).map((stmt) => {
        const start = stmt.stmt_location ?? 0;
        const length = stmt.stmt_len ?? 0;
        const text = bytes.subarray(start, length ? start + length : bytes.length).toString('utf8').trim();
        return { sql: text.endsWith(';') ? text : `${text};`, node: stmt.stmt ?? ({} as Node) };
      });
    },
    parsePlpgsqlFunction(body, identityArguments, returns) {
      // a dollar-quote tag that does not occur in the body
      let tag = '$tenantguard$';
      while (body.includes(tag)) tag = tag.replace(/\$$/, 'x$');
      const create = `CREATE FUNCTION tenantguard_body(${identityArguments}) RETURNS ${returns || 'void'} LANGUAGE plpgsql AS ${tag}${body}${tag}`;
      const tree = lib.parsePlPgSQLSync(create) as unknown as PlpgsqlParseResult;
      return tree.plpgsql_funcs?.[0]?.PLpgSQL_function ?? null;
    },
  };
}
