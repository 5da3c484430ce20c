/**
 * What the tenant can do with its own rows, for the scaffold's verification:
 * the isolation plan's rows are seeded (parents first, as the connected
 * role, under the row's organization's context when RLS applies to it), then
 * as the app role with org A's context each table's own row is read and
 * updated in place. Everything runs inside the caller's transaction and is
 * rolled back to a savepoint. The app role's own search_path is set while it
 * acts: a policy's helper that is not SECURITY DEFINER resolves unqualified
 * names with it, as it does for the app.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/types.js';
import { planIsolationFor } from '../../isolation/index.js';
import { withLiterals } from '../../isolation/statements.js';
import type { IsolationCase, SeedValue, StatementPart } from '../../isolation/types.js';
import { seededValue } from '../../isolation/verdicts.js';
import type { RuleContext } from '../../rules/types.js';
import { quoteIdent, quoteLiteral } from '../../sql/quote.js';

export interface TableAccess {
  read: boolean;
  write: boolean;
  readError: string | null;
  writeError: string | null;
  /** Why the table's rows could not be seeded (then read and write are false). */
  unseedable: string | null;
}

type Row = (string | null)[];

async function rowsOf(client: Queryable, text: string): Promise<{ rows: Row[]; rowCount: number }[]> {
  const raw = (await client.query({ text, rowMode: 'array' } as never)) as unknown;
  const results = (Array.isArray(raw) ? raw : [raw]) as { rows?: Row[]; rowCount?: number | null }[];
  return results.map((r) => ({ rows: r.rows ?? [], rowCount: r.rowCount ?? 0 }));
}

const message = (error: unknown) => `${(error as { code?: string }).code ?? ''}: ${error instanceof Error ? error.message : String(error)}`.replace(/^: /, '');

/**
 * The search_path a session of `role` starts with in this database:
 * ALTER ROLE … IN DATABASE, then ALTER ROLE, then ALTER DATABASE, else the
 * server default (docs/postgres-rls.md#setting-defaults).
 */
export async function appRoleSearchPath(client: Queryable, role: string): Promise<string> {
  const [result] = await rowsOf(
    client,
    `SELECT (s.setrole OPERATOR(pg_catalog.<>) 0)::pg_catalog.int4 * 2 OPERATOR(pg_catalog.+) (s.setdatabase OPERATOR(pg_catalog.<>) 0)::pg_catalog.int4, ` +
      `pg_catalog.substr(c, 13) FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c ` +
      `WHERE pg_catalog.starts_with(c, 'search_path=') ` +
      `AND s.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) ${quoteLiteral(role)})) ` +
      `AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())) ` +
      `ORDER BY 1 DESC LIMIT 1`,
  );
  const found = result?.rows[0]?.[1];
  if (found) return found;
  const [server] = await rowsOf(client, `SELECT boot_val FROM pg_catalog.pg_settings WHERE name OPERATOR(pg_catalog.=) 'search_path'`);
  return server?.rows[0]?.[0] ?? '"$user", public';
}

/** The UPDATE of org B's row, aimed at org A's own row instead: it sets the tenant columns to what they already hold. */
function updateOwn(c: IsolationCase): StatementPart[] {
  return c.updateOther.map((part) =>
    typeof part !== 'string' && 'row' in part && part.row === c.other && (part.column === 'tableoid' || part.column === 'ctid') ? { ...part, row: c.own } : part,
  );
}

/** Own-row access per tenant table (display name), or null when no isolation plan can be made for this schema. */
export async function tenantAccess(client: Queryable, context: RuleContext, role: string, searchPath: string): Promise<Map<string, TableAccess> | null> {
  let plan;
  try {
    ({ plan } = await planIsolationFor(context, { nonce: randomBytes(8).toString('hex') }));
  } catch {
    return null;
  }
  const returned = new Map<string, Row>();
  const failed = new Map<string, string>();
  const returnsOf = new Map(plan.rows.map((r) => [r.id, r.returns]));
  const resolve = (v: SeedValue) => seededValue(v, returned, (id) => returnsOf.get(id));
  const setContext = (value: string) => `SELECT pg_catalog.set_config(${quoteLiteral(plan.setting)}, ${quoteLiteral(value)}, true)`;
  const org = (which: 'A' | 'B') => {
    try {
      return resolve(plan.orgs[which]);
    } catch {
      return null;
    }
  };

  await client.query('SAVEPOINT tenantguard_access');
  try {
    for (const row of plan.rows) {
      let sql: string;
      try {
        sql = withLiterals(row.insert, resolve);
      } catch {
        failed.set(row.id, 'a parent row could not be inserted');
        continue;
      }
      await client.query('SAVEPOINT tenantguard_seed');
      try {
        returned.set(row.id, (await rowsOf(client, sql))[0]!.rows[0]!);
        continue;
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT tenantguard_seed');
      }
      // RLS may apply to the connected role (an owner under FORCE), or a trigger may read the tenant from the context.
      const id = org(row.org ?? 'A');
      try {
        if (id === null) throw new Error('no organization id');
        const results = await rowsOf(client, [setContext(id), sql, setContext('')].join(';\n'));
        returned.set(row.id, results[1]!.rows[0]!);
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT tenantguard_seed');
        failed.set(row.id, message(error));
      }
    }

    const orgA = org('A');
    const access = new Map<string, TableAccess>();
    for (const c of plan.cases) {
      const missing = c.seed.find((id) => !returned.has(id));
      if (missing || orgA === null) {
        access.set(c.table, { read: false, write: false, readError: null, writeError: null, unseedable: `its row ${missing ?? c.own} could not be seeded (${failed.get(missing ?? '') ?? 'no organization'})` });
        continue;
      }
      const prelude = [
        'SAVEPOINT tenantguard_check',
        `SET LOCAL ROLE ${quoteIdent(role)}`,
        `SELECT pg_catalog.set_config('search_path', ${quoteLiteral(searchPath)}, true)`,
        setContext(orgA),
      ];
      const own = returned.get(c.own)!;
      const attempt = async (statement: string) => {
        try {
          return { results: (await rowsOf(client, [...prelude, statement].join(';\n'))).at(-1)!, error: null };
        } catch (error) {
          return { results: null, error: message(error) };
        } finally {
          await client.query('ROLLBACK TO SAVEPOINT tenantguard_check; RELEASE SAVEPOINT tenantguard_check').catch(() => {});
        }
      };
      const read = await attempt(withLiterals(c.read, resolve));
      const write = await attempt(withLiterals(updateOwn(c), resolve));
      access.set(c.table, {
        read: read.results?.rows.some((r) => r[0] === own[0] && r[1] === own[1]) ?? false,
        readError: read.error,
        write: write.results?.rowCount === 1,
        writeError: write.error,
        unseedable: null,
      });
    }
    return access;
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT tenantguard_access').catch(() => {});
    await client.query('RELEASE SAVEPOINT tenantguard_access').catch(() => {});
  }
}
