/**
 * Reads a table's CHECK constraints (their real parse trees) into restrictions
 * on the columns a synthesized row fills. Postgres accepts a row when every
 * CHECK is true or NULL, so a comparison on a column left NULL never rejects
 * it; only `IS NOT NULL` forces such a column to be filled. An OR is met by
 * its first branch that can be met; anything outside the simple forms below
 * makes the table unseedable, with the constraint named.
 */
import type { Column, Table } from '../catalog/types.js';
import { constValue, nodeAs, stringsOf, type Node } from '../sql/parse-tree.js';
import type { SqlParser } from '../sql/parser.js';
import { isOrderable, noRules, type ColumnRules } from './values.js';

/** How the row gets a column's value. */
export type ColumnSource = 'literal' | 'fixed' | 'null';

type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>=';

type Atom =
  | { kind: 'compare'; column: string; op: Comparison; value: string }
  | { kind: 'one-of'; column: string; values: string[]; negated: boolean }
  | { kind: 'length'; column: string; op: Comparison; value: number }
  | { kind: 'pattern'; column: string; source: string; caseInsensitive: boolean; negated: boolean }
  | { kind: 'null-test'; column: string; isNull: boolean }
  | { kind: 'columns'; left: string; op: Comparison; right: string };

export interface CheckAnalysis {
  /** Restrictions for columns that get literals. */
  rules: Map<string, ColumnRules>;
  /** Columns that would be left NULL but a CHECK requires to be filled. */
  fill: Set<string>;
  /** Why no row can be synthesized, or null. */
  unsupported: string | null;
}

const COMPARISONS = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);
const FLIPPED: Record<Comparison, Comparison> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const LENGTH_FUNCTIONS = new Set(['char_length', 'character_length', 'length', 'octet_length']);
const TRANSPARENT_FUNCTIONS = new Set(['btrim', 'trim', 'lower', 'upper']);

const lastName = (names: Node[] | undefined): string | undefined => (names?.length ? stringsOf(names).at(-1) : undefined);

function columnOf(node: Node | undefined): string | null {
  const ref = nodeAs(node, 'ColumnRef');
  if (!ref) {
    const fn = nodeAs(node, 'FuncCall');
    const name = lastName(fn?.funcname);
    // lower(name), btrim(name): the constraint still restricts the column itself.
    if (fn && name && TRANSPARENT_FUNCTIONS.has(name) && fn.args?.length === 1) return columnOf(fn.args[0]);
    const cast = nodeAs(node, 'TypeCast');
    return cast ? columnOf(cast.arg) : null;
  }
  return nodeAs(ref.fields?.at(-1), 'String')?.sval ?? null;
}

function constantOf(node: Node | undefined): string | null {
  const cast = nodeAs(node, 'TypeCast');
  if (cast) return constantOf(cast.arg);
  const constant = nodeAs(node, 'A_Const');
  if (constant) {
    // keep a decimal's digits as written (1.50, not 1.5)
    if (constant.fval) return String(constant.fval.fval);
    const value = constValue(constant);
    return value === null ? null : String(value);
  }
  // `- 5`: a unary minus the deparser left on a number
  const negation = nodeAs(node, 'A_Expr');
  if (negation && !negation.lexpr && lastName(negation.name) === '-') {
    const inner = constantOf(negation.rexpr);
    return inner === null ? null : `-${inner}`;
  }
  return null;
}

function lengthOf(node: Node | undefined): string | null {
  const fn = nodeAs(node, 'FuncCall');
  const name = lastName(fn?.funcname);
  return fn && name && LENGTH_FUNCTIONS.has(name) && fn.args?.length === 1 ? columnOf(fn.args[0]) : null;
}

/** One set of atoms that makes `node` true, or null when the expression is not a supported form. */
function solve(node: Node, canFill: (column: string) => boolean): Atom[] | null {
  const bool = nodeAs(node, 'BoolExpr');
  if (bool) {
    const args = bool.args ?? [];
    if (bool.boolop === 'AND_EXPR') {
      const parts = args.map((a) => solve(a, canFill));
      return parts.every((p) => p !== null) ? parts.flat() as Atom[] : null;
    }
    if (bool.boolop === 'OR_EXPR') {
      for (const arg of args) {
        const branch = solve(arg, canFill);
        if (branch && branch.every((atom) => atom.kind !== 'null-test' || atom.isNull || canFill(atom.column))) return branch;
      }
      return null;
    }
    // NOT flag, NOT (x IS NULL)
    const inner = args[0];
    const column = columnOf(inner);
    if (column) return [{ kind: 'one-of', column, values: ['false'], negated: false }];
    const test = nodeAs(inner, 'NullTest');
    const tested = test ? columnOf(test.arg) : null;
    return tested ? [{ kind: 'null-test', column: tested, isNull: test!.nulltesttype !== 'IS_NULL' }] : null;
  }
  const test = nodeAs(node, 'NullTest');
  if (test) {
    const column = columnOf(test.arg);
    return column ? [{ kind: 'null-test', column, isNull: test.nulltesttype === 'IS_NULL' }] : null;
  }
  const flag = columnOf(node);
  if (flag && nodeAs(node, 'ColumnRef')) return [{ kind: 'one-of', column: flag, values: ['true'], negated: false }];

  const expr = nodeAs(node, 'A_Expr');
  if (!expr) return null;
  const op = lastName(expr.name) ?? '';
  const left = expr.lexpr;
  const right = expr.rexpr;
  if (expr.kind === 'AEXPR_OP_ANY' || expr.kind === 'AEXPR_OP_ALL' || expr.kind === 'AEXPR_IN') {
    const column = columnOf(left);
    const elements = nodeAs(right, 'A_ArrayExpr')?.elements ?? nodeAs(right, 'List')?.items ?? [];
    const values = elements.map(constantOf);
    if (!column || values.length === 0 || values.some((v) => v === null)) return null;
    if (op === '=' && expr.kind !== 'AEXPR_OP_ALL') return [{ kind: 'one-of', column, values: values as string[], negated: false }];
    if (op === '<>' && expr.kind !== 'AEXPR_OP_ANY') return [{ kind: 'one-of', column, values: values as string[], negated: true }];
    return null;
  }
  if (expr.kind !== 'AEXPR_OP') return null;
  if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
    const column = columnOf(left);
    const source = constantOf(right);
    return column && source !== null
      ? [{ kind: 'pattern', column, source, caseInsensitive: op.endsWith('*'), negated: op.startsWith('!') }]
      : null;
  }
  if (!COMPARISONS.has(op)) return null;
  const comparison = op as Comparison;
  const [lc, rc] = [columnOf(left), columnOf(right)];
  const [lv, rv] = [constantOf(left), constantOf(right)];
  const [ll, rl] = [lengthOf(left), lengthOf(right)];
  if (ll && rv !== null) return [{ kind: 'length', column: ll, op: comparison, value: Number(rv) }];
  if (rl && lv !== null) return [{ kind: 'length', column: rl, op: FLIPPED[comparison], value: Number(lv) }];
  if (lc && rv !== null) return [{ kind: 'compare', column: lc, op: comparison, value: rv }];
  if (rc && lv !== null) return [{ kind: 'compare', column: rc, op: FLIPPED[comparison], value: lv }];
  if (lc && rc) return [{ kind: 'columns', left: lc, op: comparison, right: rc }];
  return null;
}

/** `CHECK ((price > 0)) NOT VALID` → `(price > 0)` */
export function checkExpression(definition: string): string | null {
  const match = /^CHECK \(([\s\S]*)\)(?: NO INHERIT)?(?: NOT VALID)?$/.exec(definition.trim());
  return match ? match[1]! : null;
}

function applyAtom(atom: Atom, rules: ColumnRules, column: Column): string | null {
  const numeric = isOrderable(column) && !['date', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval'].includes(column.typeName);
  switch (atom.kind) {
    case 'one-of':
      if (atom.negated) rules.noneOf.push(...atom.values);
      else rules.oneOf = rules.oneOf === null ? atom.values : rules.oneOf.filter((v) => atom.values.includes(v));
      return null;
    case 'compare':
      if (atom.op === '=') rules.oneOf = rules.oneOf === null ? [atom.value] : rules.oneOf.filter((v) => v === atom.value);
      else if (atom.op === '<>') rules.noneOf.push(atom.value);
      else if (numeric && Number.isFinite(Number(atom.value))) {
        const bound = { value: Number(atom.value), inclusive: atom.op.endsWith('=') };
        if (atom.op.startsWith('>')) rules.min = rules.min && rules.min.value > bound.value ? rules.min : bound;
        else rules.max = rules.max && rules.max.value < bound.value ? rules.max : bound;
      } else return `compares "${column.name}" (${column.type}) with ${atom.value}`;
      return null;
    case 'length': {
      const exclusive = atom.op === '<' ? -1 : atom.op === '>' ? 1 : 0;
      if (atom.op === '=' ) { rules.minLength = atom.value; rules.maxLength = atom.value; }
      else if (atom.op.startsWith('>')) rules.minLength = Math.max(rules.minLength ?? 0, atom.value + exclusive);
      else if (atom.op.startsWith('<')) rules.maxLength = Math.min(rules.maxLength ?? Infinity, atom.value + exclusive);
      else if (atom.value === 0) rules.minLength = Math.max(rules.minLength ?? 0, 1);
      return null;
    }
    case 'pattern':
      rules.patterns.push({ source: atom.source, caseInsensitive: atom.caseInsensitive, negated: atom.negated });
      return null;
    default:
      return null;
  }
}

/** A CHECK expression's parse tree, or null when the parser rejects it. */
export type ParseCheck = (expression: string) => Node | null;

/**
 * The parser's expression parsing, remembered for as long as the caller keeps
 * the function (one plan): schemas repeat the same CHECK (`amount > 0`) across many tables.
 */
export function checkParser(parser: SqlParser): ParseCheck {
  const parsed = new Map<string, Node | null>();
  return (expression) => {
    if (!parsed.has(expression)) parsed.set(expression, parser.parseExpression(expression));
    return parsed.get(expression)!;
  };
}

export function analyzeChecks(table: Table, parseCheck: ParseCheck | null, sourceOf: (column: string) => ColumnSource): CheckAnalysis {
  // A column filled for one CHECK's IS NOT NULL must meet every other CHECK too: repeat until the fill set is stable.
  let analysis = analyzePass(table, parseCheck, sourceOf, new Set());
  if (analysis.fill.size === 0) return analysis;
  for (let round = 0; round < 4 && analysis.unsupported === null; round++) {
    const next = analyzePass(table, parseCheck, sourceOf, analysis.fill);
    if (next.fill.size === analysis.fill.size) return next;
    analysis = next;
  }
  return analysis;
}

function analyzePass(
  table: Table,
  parseCheck: ParseCheck | null,
  sourceOf: (column: string) => ColumnSource,
  filled: ReadonlySet<string>,
): CheckAnalysis {
  const analysis: CheckAnalysis = { rules: new Map(), fill: new Set(filled), unsupported: null };
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const source = (name: string): ColumnSource => (analysis.fill.has(name) ? 'literal' : sourceOf(name));
  const rulesFor = (name: string) => {
    let rules = analysis.rules.get(name);
    if (!rules) analysis.rules.set(name, (rules = noRules()));
    return rules;
  };
  const canFill = (name: string) => {
    const column = columns.get(name);
    return column !== undefined && source(name) !== 'fixed' && column.generated === '' && column.identity === '';
  };

  for (const constraint of table.constraints.filter((c) => c.type === 'check')) {
    const expression = checkExpression(constraint.definition ?? '');
    const node = expression !== null && parseCheck !== null ? parseCheck(expression) : null;
    const atoms = node ? solve(node, canFill) : null;
    if (!atoms) {
      analysis.unsupported = `CHECK constraint ${constraint.name} is not a simple condition tenantguard can satisfy: ${constraint.definition}`;
      return analysis;
    }
    for (const atom of atoms) {
      if (atom.kind === 'null-test') {
        if (atom.isNull && source(atom.column) !== 'null') {
          analysis.unsupported = `CHECK constraint ${constraint.name} requires "${atom.column}" to be NULL, but the row needs a value there`;
          return analysis;
        }
        if (!atom.isNull && source(atom.column) === 'null') analysis.fill.add(atom.column);
        continue;
      }
      if (atom.kind === 'columns') {
        // a < b: b gets the higher rank; both come from the row's shared base (values.ts).
        const [low, high] = atom.op.startsWith('>') ? [atom.right, atom.left] : [atom.left, atom.right];
        if (source(low) !== 'literal' || source(high) !== 'literal') continue;
        const [lowColumn, highColumn] = [columns.get(low), columns.get(high)];
        if (!lowColumn || !highColumn || !isOrderable(lowColumn) || !isOrderable(highColumn)) {
          analysis.unsupported = `CHECK constraint ${constraint.name} compares columns tenantguard cannot order: ${constraint.definition}`;
          return analysis;
        }
        const [lr, hr] = [rulesFor(low), rulesFor(high)];
        lr.ordered = hr.ordered = true;
        if (atom.op === '=') hr.rank = lr.rank;
        else if (atom.op !== '<=' && atom.op !== '>=') hr.rank = Math.max(hr.rank, lr.rank + 1);
        continue;
      }
      // A comparison on a column left NULL is NULL, which a CHECK accepts; a fixed value is not ours to choose.
      if (source(atom.column) !== 'literal') continue;
      const column = columns.get(atom.column);
      if (!column) continue;
      const problem = applyAtom(atom, rulesFor(atom.column), column);
      if (problem) {
        analysis.unsupported = `CHECK constraint ${constraint.name} ${problem}`;
        return analysis;
      }
    }
  }
  return analysis;
}
