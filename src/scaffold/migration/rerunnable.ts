/**
 * The migration must be safe to apply twice. Fixes collected from other rules
 * are plain DDL; those that fail when what they create already exists
 * (ADD CONSTRAINT, CREATE INDEX, CREATE POLICY, …) are wrapped so that a second
 * run treats "already exists" as done. Decided on the parse tree.
 */
import { nodeAs, type Node } from '../../sql/parse-tree.js';

export function failsWhenRerun(node: Node): boolean {
  const index = nodeAs(node, 'IndexStmt');
  if (index) return !index.if_not_exists && !index.concurrent;
  const create = nodeAs(node, 'CreateStmt');
  if (create) return !create.if_not_exists;
  const trigger = nodeAs(node, 'CreateTrigStmt');
  if (nodeAs(node, 'CreatePolicyStmt') || (trigger && !trigger.replace)) return true;
  const alter = nodeAs(node, 'AlterTableStmt');
  if (!alter) return false;
  const cmds = (alter.cmds ?? []).map((c) => nodeAs(c, 'AlterTableCmd') ?? {});
  // DROP CONSTRAINT x, ADD CONSTRAINT x in one statement re-creates it: re-runnable as it is.
  const dropped = new Set(cmds.filter((c) => c.subtype === 'AT_DropConstraint').map((c) => c.name));
  return cmds.some((c) => {
    if (c.subtype === 'AT_AddColumn') return !c.missing_ok;
    if (c.subtype !== 'AT_AddConstraint') return false;
    return !dropped.has(nodeAs(c.def, 'Constraint')?.conname);
  });
}
