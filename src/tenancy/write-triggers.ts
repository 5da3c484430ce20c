/**
 * Write-path triggers that pin the tenant of new rows. Postgres runs BEFORE …
 * FOR EACH ROW triggers before it checks the new row against the policies'
 * WITH CHECK (docs/postgres-rls.md#before-triggers), so a trigger that
 * unconditionally overwrites the tenant column from a parent row decides
 * which tenant every written row lands in:
 *
 *   NEW.organization_id := (SELECT p.organization_id FROM projects p WHERE p.id = NEW.project_id);
 *
 * The lookup runs with the writer's rights (the function is not SECURITY
 * DEFINER), so it only finds parent rows the writer's own policies let it
 * see. When those are tenant-scoped (effective.ts judges that per role), the
 * written row can only land in the writer's tenant, or get no tenant at all.
 * Pure: parsing only; the per-role judgement is the caller's.
 */
import type { Catalog, RoutineInfo, Table, Trigger } from '../catalog/types.js';
import type { PlpgsqlStatement } from '../sql/parse-tree.js';
import type { SqlParser } from '../sql/parser.js';
import { selectOf } from '../policy/function-body.js';
import type { Expr } from '../policy/model.js';

export type WriteCommand = 'INSERT' | 'UPDATE';

export interface TenantPinningTrigger {
  trigger: Trigger;
  /** The table whose tenant column the new row's tenant is copied from. */
  parent: Table;
}

/** `NEW.organization_id := …` / `NEW."organization_id" = …`: the assigned column of NEW, else null. */
function newFieldAssigned(text: string): string | null {
  const m = /^\s*new\s*\.\s*(?:"([^"]+)"|(\w+))\s*:?=/i.exec(text);
  return m ? (m[1] ?? m[2]!.toLowerCase()) : null;
}

function columnName(e: Expr): string | null {
  return e.kind === 'column' ? e.fields.at(-1)! : null;
}

/**
 * The parent table when `value` is `(SELECT p.<tenant column> FROM <parent> p WHERE …)`:
 * one relation, its own tenant column as the only target.
 */
function parentLookup(value: Expr, catalog: Catalog, tenantColumn: string, nearSchema: string): Table | null {
  const e = value.kind === 'cast' ? value.arg : value;
  if (e.kind !== 'sublink' || e.link !== 'expr') return null;
  const q = e.query;
  if (q.setOp || q.from.length !== 1 || q.targets.length !== 1) return null;
  const from = q.from[0]!;
  if (from.kind !== 'relation') return null;
  const target = q.targets[0]!;
  if (columnName(target) !== tenantColumn) return null;
  if (target.kind === 'column' && target.fields.length > 1 && target.fields.at(-2) !== (from.alias ?? from.name)) return null;
  const schemas = from.schema !== null ? [from.schema] : ['public', nearSchema];
  for (const schema of schemas) {
    const table = catalog.tables.find((t) => t.schema === schema && t.name === from.name);
    if (table) return table.columns.some((c) => c.name === tenantColumn) ? table : null;
  }
  return null;
}

/** Statements in the order they run, nested ones included. */
function flatten(stmts: PlpgsqlStatement[] | undefined, out: { type: string; node: PlpgsqlStatement[string]; top: boolean }[], top: boolean): void {
  for (const s of stmts ?? []) {
    const [type] = Object.keys(s);
    const node = s[type!]!;
    out.push({ type: type!, node, top });
    if (type === 'PLpgSQL_stmt_block') flatten(node.body, out, top);
    else {
      flatten(node.then_body, out, false);
      for (const e of node.elsif_list ?? []) flatten(e.PLpgSQL_if_elsif.stmts, out, false);
      flatten(node.else_body, out, false);
      flatten(node.body, out, false);
    }
  }
}

/**
 * The parent a trigger function copies the tenant from, when every run of its body assigns
 * NEW.<tenant column> from one before anything returns; null otherwise.
 */
function copiedFrom(fn: RoutineInfo, catalog: Catalog, tenantColumn: string, parser: SqlParser): Table | null {
  if (fn.language !== 'plpgsql' || fn.securityDefiner) return null;
  let func;
  try {
    func = parser.parsePlpgsqlFunction(fn.body, fn.identityArguments, 'trigger');
  } catch {
    return null;
  }
  const stmts: { type: string; node: PlpgsqlStatement[string]; top: boolean }[] = [];
  flatten(func?.action ? [func.action] : [], stmts, true);
  let parent: Table | null = null;
  for (const { type, node, top } of stmts) {
    if (type === 'PLpgSQL_stmt_return' || type === 'PLpgSQL_stmt_dynexecute') return parent;
    if (type !== 'PLpgSQL_stmt_assign') continue;
    const text = String(node.expr?.PLpgSQL_expr.query ?? '');
    if (newFieldAssigned(text) !== tenantColumn) continue;
    // assigned twice, or only on some paths: which value wins is not decided here
    if (!top || parent !== null) return null;
    const value = selectOf(`SELECT ${text.replace(/^[^:=]*:?=\s*/, '')}`, parser)?.targets[0];
    parent = value ? parentLookup(value, catalog, tenantColumn, fn.schema) : null;
    if (parent === null) return null;
  }
  return parent;
}

/**
 * For each write command, the BEFORE ROW trigger that last sets the tenant column of new rows
 * on `table`, when it copies it from a parent; a later trigger on the same event that may
 * change the column again (its body mentions it, or cannot be read) cancels the pin.
 */
export function tenantPinningTriggers(
  catalog: Catalog,
  table: Table,
  tenantColumn: string,
  parser: SqlParser,
): Map<WriteCommand, TenantPinningTrigger> {
  const pins = new Map<WriteCommand, TenantPinningTrigger>();
  for (const command of ['INSERT', 'UPDATE'] as const) {
    const firing = table.triggers.filter((t) => t.beforeRow && t.enabled && t.events.includes(command));
    let pin: TenantPinningTrigger | null = null;
    for (const trigger of firing) {
      const fn = catalog.functions.find((f) => f.oid === trigger.functionOid);
      const parent = fn && !trigger.conditional ? copiedFrom(fn, catalog, tenantColumn, parser) : null;
      if (parent) pin = { trigger, parent };
      else if (!fn || fn.body.includes(tenantColumn)) pin = null;
    }
    if (pin) pins.set(command, pin);
  }
  return pins;
}
