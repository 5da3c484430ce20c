/**
 * Recognises a policy expression that is nothing but "tenant column equals the
 * tenant context" in any of its spellings — `organization_id::text =
 * current_setting('app.current_org_id', true)`, `organization_id =
 * current_setting(…)::uuid`, `organization_id = (SELECT NULLIF(…, '')::uuid)` —
 * so the scaffold can replace it with the typed, fail-closed, index-friendly
 * form (docs/postgres-rls.md#empty-context, #casts-and-indexes, #initplan). Anything with more logic in it is kept
 * verbatim: rewriting it would change who sees what.
 *
 * Works on the real Postgres parse tree (libpg-query), never on the text.
 */
import type { SqlParser, SqlNode as Node } from './sql-parser.js';

/**
 * True when `expression` (pg_get_expr text) compares the tenant column — bare
 * or qualified, with or without a cast — to the tenant context setting and
 * nothing else.
 */
export function isTenantContextComparison(
  parser: SqlParser,
  expression: string,
  tenantColumn: string,
  contextSetting: string,
): boolean {
  const node = parser.parseExpression(expression);
  const op = child(node, 'A_Expr');
  if (!op || op['kind'] !== 'AEXPR_OP' || operatorName(op) !== '=') return false;
  const left = op['lexpr'] as Node;
  const right = op['rexpr'] as Node;
  return (
    (isTenantColumn(left, tenantColumn) && isContext(right, contextSetting)) ||
    (isTenantColumn(right, tenantColumn) && isContext(left, contextSetting))
  );
}

function child(node: unknown, key: string): Node | null {
  if (!node || typeof node !== 'object') return null;
  const value = (node as Node)[key];
  return value && typeof value === 'object' ? (value as Node) : null;
}

function operatorName(op: Node): string | null {
  const names = op['name'] as Node[] | undefined;
  if (!names || names.length !== 1) return null;
  return stringValue(names[0]);
}

function stringValue(node: unknown): string | null {
  const s = child(node, 'String');
  return typeof s?.['sval'] === 'string' ? (s['sval'] as string) : null;
}

/** Strips casts: `x::text`, `CAST(x AS uuid)`. */
function uncast(node: unknown): unknown {
  let current = node;
  for (let cast = child(current, 'TypeCast'); cast; cast = child(current, 'TypeCast')) current = cast['arg'];
  return current;
}

function isTenantColumn(node: unknown, tenantColumn: string): boolean {
  const ref = child(uncast(node), 'ColumnRef');
  const fields = ref?.['fields'] as Node[] | undefined;
  if (!fields || fields.length === 0 || fields.length > 3) return false;
  return stringValue(fields[fields.length - 1]) === tenantColumn;
}

/** current_setting('<setting>'[, missing_ok]), under casts, NULLIF(…, '') and a scalar subquery. */
function isContext(node: unknown, contextSetting: string): boolean {
  const inner = uncast(node);
  const sublink = child(inner, 'SubLink');
  if (sublink) {
    if (sublink['subLinkType'] !== 'EXPR_SUBLINK') return false;
    const select = child(sublink['subselect'], 'SelectStmt');
    const targets = select?.['targetList'] as Node[] | undefined;
    if (!select || select['fromClause'] || select['whereClause'] || !targets || targets.length !== 1) return false;
    return isContext(child(targets[0], 'ResTarget')?.['val'], contextSetting);
  }
  const nullif = child(inner, 'A_Expr');
  if (nullif) {
    return nullif['kind'] === 'AEXPR_NULLIF' && isEmptyString(nullif['rexpr']) && isContext(nullif['lexpr'], contextSetting);
  }
  const call = child(inner, 'FuncCall');
  if (!call) return false;
  const names = (call['funcname'] as Node[] | undefined)?.map(stringValue) ?? [];
  const isCurrentSetting =
    (names.length === 1 && names[0] === 'current_setting') ||
    (names.length === 2 && names[0] === 'pg_catalog' && names[1] === 'current_setting');
  const args = (call['args'] as Node[] | undefined) ?? [];
  return isCurrentSetting && args.length >= 1 && args.length <= 2 && constString(args[0]) === contextSetting;
}

function constString(node: unknown): string | null {
  const value = child(child(uncast(node), 'A_Const'), 'sval');
  if (!value) return null;
  // The parse tree is protobuf JSON, which may omit an empty string.
  return typeof value['sval'] === 'string' ? (value['sval'] as string) : '';
}

function isEmptyString(node: unknown): boolean {
  return constString(node) === '';
}
