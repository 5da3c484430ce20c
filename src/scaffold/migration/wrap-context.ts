/**
 * Wraps each tenant-context call of a policy expression that runs per row —
 * current_setting(…) and auth.uid()/jwt()/email()/role() outside any
 * subquery — in a scalar subquery, so Postgres evaluates it once per
 * statement as an InitPlan (docs/postgres-rls.md#initplan). The expression
 * means the same; only where a call sits in the text changes. Calls are found
 * in the real parse tree (their byte offsets), never by matching text.
 */
import type { Node } from '../../sql/parse-tree.js';
import type { SqlParser } from '../../sql/parser.js';

const PREFIX = 'SELECT '.length; // parseExpression parses `SELECT <expression>`
const AUTH_CALLS = new Set(['uid', 'jwt', 'email', 'role']);

function isContextCall(call: { funcname?: Node[] }): boolean {
  const names = (call.funcname ?? []).map((n) => (n as { String?: { sval?: string } }).String?.sval ?? '');
  if (names.length === 1) return names[0] === 'current_setting';
  if (names.length === 2) return (names[0] === 'pg_catalog' && names[1] === 'current_setting') || (names[0] === 'auth' && AUTH_CALLS.has(names[1]!));
  return false;
}

/** Offsets (in `expression`) of the context calls outside any subquery. */
function unwrappedCalls(node: unknown, found: number[]): void {
  if (Array.isArray(node)) {
    for (const item of node) unwrappedCalls(item, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'SubLink') continue; // evaluated apart from the row: already wrapped (or a subquery of its own)
    if (key === 'FuncCall' && value && typeof value === 'object' && isContextCall(value as { funcname?: Node[] })) {
      const location = (value as { location?: number }).location;
      if (typeof location === 'number') found.push(location - PREFIX);
      continue;
    }
    unwrappedCalls(value, found);
  }
}

/** End (exclusive) of the call starting at `start`: its name, then balanced parentheses, skipping quoted text. */
function callEnd(text: string, start: number): number | null {
  let i = start;
  let depth = 0;
  let quote: string | null = null;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) {
        if (text[i + 1] === quote) i++;
        else quote = null;
      }
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return null;
    }
  }
  return null;
}

/** `expression` with every per-row context call wrapped; unchanged when it does not parse. */
export function wrapContextCalls(parser: SqlParser, expression: string): string {
  const root = parser.parseExpression(expression);
  if (!root) return expression;
  const starts: number[] = [];
  unwrappedCalls(root, starts);
  // Offsets are in bytes of UTF-8; work on a buffer so non-ASCII text before a call keeps them right.
  let bytes = Buffer.from(expression, 'utf8');
  for (const start of starts.sort((a, b) => b - a)) {
    const text = bytes.toString('latin1');
    const end = callEnd(text, start);
    if (end === null) return expression;
    bytes = Buffer.concat([bytes.subarray(0, start), Buffer.from('(SELECT '), bytes.subarray(start, end), Buffer.from(')'), bytes.subarray(end)]);
  }
  return bytes.toString('utf8');
}
