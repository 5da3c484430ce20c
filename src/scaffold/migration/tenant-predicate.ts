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
import { nodeAs, stringsOf, type Node } from '../../sql/parse-tree.js';
import type { SqlParser } from '../../sql/parser.js';

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
  const op = nodeAs(parser.parseExpression(expression), 'A_Expr');
  if (!op || op.kind !== 'AEXPR_OP' || op.name?.length !== 1 || stringsOf(op.name)[0] !== '=') return false;
  const { lexpr: left, rexpr: right } = op;
  return (
    (isTenantColumn(left, tenantColumn) && isContext(right, contextSetting)) ||
    (isTenantColumn(right, tenantColumn) && isContext(left, contextSetting))
  );
}

/** Strips casts: `x::text`, `CAST(x AS uuid)`. */
function uncast(node: Node | undefined): Node | undefined {
  let current = node;
  for (let cast = nodeAs(current, 'TypeCast'); cast; cast = nodeAs(current, 'TypeCast')) current = cast.arg;
  return current;
}

function isTenantColumn(node: Node | undefined, tenantColumn: string): boolean {
  const fields = nodeAs(uncast(node), 'ColumnRef')?.fields;
  if (!fields || fields.length === 0 || fields.length > 3) return false;
  return nodeAs(fields[fields.length - 1], 'String')?.sval === tenantColumn;
}

/** current_setting('<setting>'[, missing_ok]), under casts, NULLIF(…, '') and a scalar subquery. */
function isContext(node: Node | undefined, contextSetting: string): boolean {
  const inner = uncast(node);
  const sublink = nodeAs(inner, 'SubLink');
  if (sublink) {
    if (sublink.subLinkType !== 'EXPR_SUBLINK') return false;
    const select = nodeAs(sublink.subselect, 'SelectStmt');
    const targets = select?.targetList;
    if (!select || select.fromClause || select.whereClause || !targets || targets.length !== 1) return false;
    return isContext(nodeAs(targets[0], 'ResTarget')?.val, contextSetting);
  }
  const nullif = nodeAs(inner, 'A_Expr');
  if (nullif) return nullif.kind === 'AEXPR_NULLIF' && isEmptyString(nullif.rexpr) && isContext(nullif.lexpr, contextSetting);
  const call = nodeAs(inner, 'FuncCall');
  if (!call) return false;
  const names = (call.funcname ?? []).map((n) => nodeAs(n, 'String')?.sval ?? null);
  const isCurrentSetting =
    (names.length === 1 && names[0] === 'current_setting') ||
    (names.length === 2 && names[0] === 'pg_catalog' && names[1] === 'current_setting');
  const args = call.args ?? [];
  return isCurrentSetting && args.length >= 1 && args.length <= 2 && constString(args[0]) === contextSetting;
}

function constString(node: Node | undefined): string | null {
  const value = nodeAs(uncast(node), 'A_Const')?.sval;
  if (!value) return null;
  // The parse tree is protobuf JSON, which may omit an empty string.
  return value.sval ?? '';
}

function isEmptyString(node: Node | undefined): boolean {
  return constString(node) === '';
}
