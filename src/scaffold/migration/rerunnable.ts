/**
 * The migration must be safe to apply twice. Fixes collected from other rules
 * are plain DDL; those that fail when what they create already exists
 * (ADD CONSTRAINT, CREATE INDEX, CREATE POLICY, …) are wrapped so that a second
 * run treats "already exists" as done. Decided on the parse tree.
 */
import type { SqlNode } from './sql-parser.js';

export function failsWhenRerun(node: SqlNode): boolean {
  const index = node['IndexStmt'] as SqlNode | undefined;
  if (index) return !index['if_not_exists'] && !index['concurrent'];
  const create = node['CreateStmt'] as SqlNode | undefined;
  if (create) return !create['if_not_exists'];
  if (node['CreatePolicyStmt'] || node['CreateTrigStmt'] && !(node['CreateTrigStmt'] as SqlNode)['replace']) return true;
  const alter = node['AlterTableStmt'] as SqlNode | undefined;
  if (!alter) return false;
  const cmds = ((alter['cmds'] as SqlNode[] | undefined) ?? []).map((c) => (c['AlterTableCmd'] as SqlNode | undefined) ?? {});
  // DROP CONSTRAINT x, ADD CONSTRAINT x in one statement re-creates it: re-runnable as it is.
  const dropped = new Set(cmds.filter((c) => c['subtype'] === 'AT_DropConstraint').map((c) => c['name']));
  return cmds.some((c) => {
    if (c['subtype'] === 'AT_AddColumn') return !c['missing_ok'];
    if (c['subtype'] !== 'AT_AddConstraint') return false;
    const name = ((c['def'] as SqlNode | undefined)?.['Constraint'] as SqlNode | undefined)?.['conname'];
    return !dropped.has(name);
  });
}
