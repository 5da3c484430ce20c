/**
 * A schema-per-tenant database for tests: `count` tenant schemas
 * `tenant_01` … each owned by its tenant role `tr01` … (its tenant role by
 * ownership), with one table `items` holding one row of that tenant, and a
 * login role `app` that, like django-tenants' or apartment's role, uses
 * every schema. One statement: the DDL is sent as one batch.
 */
import type { Problem } from '../../src/rules/types.js';
import type { TestDatabase } from './db.js';

export const pad = (n: number) => String(n).padStart(2, '0');

export function tenantSchemasSql(count: number): string {
  const parts = ['CREATE ROLE app LOGIN;'];
  for (let i = 1; i <= count; i++) {
    const n = pad(i);
    parts.push(
      `CREATE ROLE tr${n};`,
      `CREATE SCHEMA tenant_${n} AUTHORIZATION tr${n};`,
      `CREATE TABLE tenant_${n}.items (id int PRIMARY KEY, secret text NOT NULL);`,
      `INSERT INTO tenant_${n}.items VALUES (${i}, 'secret of tenant ${n}');`,
      `ALTER TABLE tenant_${n}.items OWNER TO tr${n};`,
      `GRANT USAGE ON SCHEMA tenant_${n} TO app;`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_${n}.items TO app;`,
    );
  }
  return parts.join('\n');
}

/** The namespace of this database's roles (from `app`, which every scenario here creates: naming another role would declare it). */
function rolePrefix(db: TestDatabase): string {
  return db.role('app').slice(0, -'app'.length);
}

/** Problems about this test database's roles (or PUBLIC, or the database): other files' roles come and go on a shared server. */
export function ownProblems(db: TestDatabase, problems: readonly Problem[]): Problem[] {
  const prefix = rolePrefix(db);
  const mine = (role: string) => role === 'PUBLIC' || role.startsWith(prefix);
  return problems.filter((p) => {
    if (p.object.kind === 'role') return mine(p.object.name);
    if (p.object.kind === 'schema') return mine(p.key ?? '');
    return true;
  });
}

/** `severity object key` per problem, sorted: the exact expected findings. */
export function summary(db: TestDatabase, problems: readonly Problem[], defaultSeverity: string): string[] {
  const prefix = rolePrefix(db);
  const strip = (text: string) => text.split(prefix).join('');
  return ownProblems(db, problems)
    .map((p) => `${p.severity ?? defaultSeverity} ${p.object.kind} ${strip(p.object.name)}${p.key ? ` ${strip(p.key)}` : ''}`)
    .sort();
}
