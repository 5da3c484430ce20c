/**
 * The real Postgres parser (libpg-query), loaded lazily: only the scaffold's
 * planning needs it, never the CLI's startup path.
 */
export type SqlNode = { [key: string]: unknown };

export interface SqlParser {
  /** Parse `SELECT <expr>` and return the expression node, or null if it is not one expression. */
  parseExpression(expression: string): SqlNode | null;
  /** Split SQL text into its statements, each ending with `;`, with its parse tree. Throws on a syntax error. */
  splitStatements(sql: string): { sql: string; node: SqlNode }[];
}

export async function loadSqlParser(): Promise<SqlParser> {
  const { loadModule, parseSync } = await import('libpg-query');
  await loadModule();
  const parse = (sql: string) => parseSync(sql) as unknown as { stmts?: SqlNode[] };
  return {
    parseExpression(expression) {
      let result;
      try {
        result = parse(`SELECT ${expression}`);
      } catch {
        return null;
      }
      const stmts = result.stmts ?? [];
      if (stmts.length !== 1) return null;
      const select = (stmts[0]!['stmt'] as SqlNode | undefined)?.['SelectStmt'] as SqlNode | undefined;
      const targets = select?.['targetList'] as SqlNode[] | undefined;
      if (!select || select['fromClause'] || !targets || targets.length !== 1) return null;
      return ((targets[0]!['ResTarget'] as SqlNode | undefined)?.['val'] as SqlNode | undefined) ?? null;
    },
    splitStatements(sql) {
      // Statement locations are byte offsets into the UTF-8 text.
      const bytes = Buffer.from(sql, 'utf8');
      return (parse(sql).stmts ?? []).map((stmt) => {
        const start = (stmt['stmt_location'] as number | undefined) ?? 0;
        const length = (stmt['stmt_len'] as number | undefined) ?? 0;
        const text = bytes.subarray(start, length ? start + length : bytes.length).toString('utf8').trim();
        return { sql: text.endsWith(';') ? text : `${text};`, node: (stmt['stmt'] as SqlNode | undefined) ?? {} };
      });
    },
  };
}
