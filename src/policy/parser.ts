/**
 * The real Postgres parser (libpg-query, compiled to WebAssembly), loaded
 * lazily: only an audit that analyses policies pays for it. Policy text comes
 * from pg_get_expr, so it is always valid SQL; identical texts (the same
 * policy on many tables) are parsed once.
 */
import { expressionOf, type Expr } from './model.js';

type RawParse = Record<string, any>;

export interface PolicyParser {
  /** Parses one expression (`SELECT <expr>`). Throws on text that is not an expression. */
  expression(text: string): Expr;
  /** Parses SQL statements (a SQL function body, a CREATE FUNCTION header). */
  statements(text: string): RawParse;
  /** Parses a CREATE FUNCTION … LANGUAGE plpgsql statement into the PL/pgSQL tree. */
  plpgsql(createFunction: string): RawParse;
}

let loading: Promise<PolicyParser> | null = null;

export function loadPolicyParser(): Promise<PolicyParser> {
  loading ??= (async () => {
    const lib = await import('libpg-query');
    await lib.loadModule();
    const expressions = new Map<string, Expr>();
    return {
      expression(text: string): Expr {
        let expr = expressions.get(text);
        if (!expr) {
          expr = expressionOf(lib.parseSync(`SELECT ${text}`) as RawParse);
          expressions.set(text, expr);
        }
        return expr;
      },
      statements: (text: string) => lib.parseSync(text) as RawParse,
      plpgsql: (text: string) => lib.parsePlPgSQLSync(text) as RawParse,
    };
  })();
  return loading;
}
