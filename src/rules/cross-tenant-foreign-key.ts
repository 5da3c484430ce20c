import type { Constraint, Table } from '../catalog/types.js';
import { displayName, quoteIdent, quoteIdentList, quoteQualified } from '../sql/quote.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

type ForeignKey = Constraint & { references: NonNullable<Constraint['references']> };

/** Postgres truncates identifiers to 63 bytes. */
function identifier(name: string): string {
  let out = name;
  while (Buffer.byteLength(out) > 63) out = out.slice(0, -1);
  return out;
}

/** The old key's referential actions and DEFERRABLE, carried over to the composite key. */
function tail(fk: ForeignKey, serverVersion: number): string {
  let out = '';
  if (fk.onDelete && fk.onDelete !== 'NO ACTION') {
    // SET NULL / SET DEFAULT on the composite key would also clear the tenant column;
    // PG 15+ can limit the action to the reference columns
    const limited = (fk.onDelete === 'SET NULL' || fk.onDelete === 'SET DEFAULT') && serverVersion >= 150000;
    out += ` ON DELETE ${fk.onDelete}${limited ? ` (${quoteIdentList(fk.columns)})` : ''}`;
  }
  if (fk.onUpdate && fk.onUpdate !== 'NO ACTION') out += ` ON UPDATE ${fk.onUpdate}`;
  if (fk.deferrable) out += ' DEFERRABLE';
  return out;
}

/** `childColumn` ties the child row to its tenant: the tenant column, or on the root table its own key. */
function composite(tenancy: Tenancy, child: Table, parent: Table, fk: ForeignKey, serverVersion: number, childColumn = tenancy.tenantColumn): Fix {
  const col = tenancy.tenantColumn;
  const parentCols = [col, ...fk.references.columns];
  const covered = parent.constraints.some(
    (c) => (c.type === 'unique' || c.type === 'primary-key') && c.columns.length === parentCols.length && parentCols.every((p) => c.columns.includes(p)),
  );
  const lines: string[] = [];
  if (!covered) {
    const name = identifier(`${parent.name}_${parentCols.join('_')}_key`);
    lines.push(`ALTER TABLE ${quoteQualified(parent.schema, parent.name)} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE (${quoteIdentList(parentCols)});`);
  }
  lines.push(
    `ALTER TABLE ${quoteQualified(child.schema, child.name)} DROP CONSTRAINT ${quoteIdent(fk.name)},\n` +
      `  ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${quoteIdentList([childColumn, ...fk.columns])}) ` +
      `REFERENCES ${quoteQualified(parent.schema, parent.name)} (${quoteIdentList(parentCols)})${tail(fk, serverVersion)};`,
  );
  const title = `Make ${fk.name} include ${childColumn}`;
  return { title, sql: lines.join('\n') };
}

/**
 * The tenant root pointing at a tenant's row (organizations.active_dataset_id
 * → datasets): the row it points at must belong to that same tenant, i.e. its
 * tenant column must equal the root's own key.
 */
function fromRoot(tenancy: Tenancy, serverVersion: number): Problem[] {
  const root = tenancy.root;
  const key = tenancy.rootKey;
  if (root === null || key === null) return [];
  const noun = tenantNoun(tenancy);
  return root.constraints.flatMap((fk) => {
    if (fk.type !== 'foreign-key' || fk.references === null || fk.columns.includes(key.column)) return [];
    const parent = tenancy.tenantTableByKey.get(`${fk.references.schema}.${fk.references.name}`);
    if (!parent?.direct) return [];
    return [
      {
        object: { kind: 'constraint' as const, schema: root.schema, name: fk.name, table: root.name },
        message:
          `foreign key ${displayName(null, fk.name)} on the tenant root table ${tableLabel(root)} (${fk.columns.join(', ')}) → ${tableLabel(parent.table)} ` +
          `does not tie the row it points at to the ${noun} itself: the row can belong to another ${noun}, and a failing update tells which ids exist ` +
          `elsewhere (referential checks are not subject to row level security)`,
        fix: composite(tenancy, root, parent.table, fk as ForeignKey, serverVersion, key.column),
      },
    ];
  });
}

export default defineRule({
  id: 'cross-tenant-foreign-key',
  title: 'Foreign key between tenant tables without the tenant column',
  defaultSeverity: 'warning',
  description:
    "A foreign key between two tenant tables (or from the tenant root table to one) that leaves out the tenant column lets one tenant's row point at another tenant's row, and its errors reveal which ids exist (constraint checks ignore RLS).",
  check({ catalog, tenancy }) {
    const problems: Problem[] = [];
    const col = tenancy.tenantColumn;
    for (const { table: child, direct } of tenancy.tenantTables) {
      if (!direct || child.partitionOf !== null) continue;
      for (const fk of child.constraints) {
        if (fk.type !== 'foreign-key' || fk.references === null || fk.columns.includes(col)) continue;
        const parent = tenancy.tenantTableByKey.get(`${fk.references.schema}.${fk.references.name}`);
        if (!parent?.direct) continue;
        const ref = fk as ForeignKey;
        problems.push({
          object: { kind: 'constraint', schema: child.schema, name: fk.name, table: child.name },
          message:
            `foreign key ${displayName(null, fk.name)} on ${tableLabel(child)} (${fk.columns.join(', ')}) → ${tableLabel(parent.table)} does not include ${col}: ` +
            `a row of one ${tenantNoun(tenancy)} can point at another ${tenantNoun(tenancy)}'s row, and a failing insert tells which ids exist elsewhere ` +
            '(referential checks are not subject to row level security)',
          fix: composite(tenancy, child, parent.table, ref, catalog.serverVersion),
        });
      }
    }
    problems.push(...fromRoot(tenancy, catalog.serverVersion));
    return problems;
  },
});
