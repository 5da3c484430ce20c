/**
 * The benchmarks' migrations folder: a root table and `tables` tenant tables
 * in the scaffolded shape (tenant column, its index, RLS enabled and forced,
 * a permissive tenant policy and, with `restrictive`, the restrictive one
 * beside it), five tables a file. Returns how many files it wrote.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PER_FILE = 5;
const tenant = "organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)";

function tableSql(i, restrictive) {
  const t = `items_${String(i).padStart(4, '0')}`;
  const lines = [
    `CREATE TABLE ${t} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES organizations (id), name text NOT NULL);`,
    `CREATE INDEX ${t}_organization_id_idx ON ${t} (organization_id);`,
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY tenant_access ON ${t} AS PERMISSIVE FOR ALL TO bench_app USING (${tenant}) WITH CHECK (${tenant});`,
    ...(restrictive ? [`CREATE POLICY tenant_isolation ON ${t} AS RESTRICTIVE FOR ALL TO bench_app USING (${tenant}) WITH CHECK (${tenant});`] : []),
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO bench_app;`,
  ];
  return lines.join('\n');
}

export function writeTenantFolder(folder, tables, { restrictive }) {
  writeFileSync(join(folder, '0000_init.sql'), 'CREATE ROLE bench_app;\nCREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);\n');
  const files = Math.ceil(tables / PER_FILE);
  for (let file = 0; file < files; file++) {
    const body = [];
    for (let i = file * PER_FILE; i < Math.min(tables, (file + 1) * PER_FILE); i++) body.push(tableSql(i, restrictive));
    writeFileSync(join(folder, `${String(file + 1).padStart(4, '0')}_items.sql`), `${body.join('\n')}\n`);
  }
  return files + 1;
}
