/**
 * Small query helpers for proving Postgres behaviour: run a statement and
 * keep the transaction usable when it fails, read which tenants' rows a
 * query returns, and read a plan.
 */
import type pg from 'pg';

/** The rows a statement returned, or the SQLSTATE it failed with. */
export type Outcome = { rows: Record<string, unknown>[]; rowCount: number } | { code: string; message: string };

/** Runs `sql` under a savepoint, so a failure leaves the surrounding transaction usable. */
export async function attempt(client: pg.Client, sql: string): Promise<Outcome> {
  await client.query('SAVEPOINT attempt');
  try {
    const result = await client.query(sql);
    await client.query('RELEASE SAVEPOINT attempt');
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT attempt');
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
}

/** The SQLSTATE a statement failed with, or 'allowed'. */
export const failure = (outcome: Outcome): string => ('code' in outcome ? outcome.code : 'allowed');

/** The organization_id of every row `table` shows the current role, sorted. */
export async function organizations(client: pg.Client, table: string): Promise<number[]> {
  const { rows } = await client.query<{ organization_id: number }>(`SELECT organization_id FROM ${table} ORDER BY 1`);
  return rows.map((r) => r.organization_id);
}

/** The plan of `sql`, as text. */
export async function explain(client: pg.Client, sql: string): Promise<string> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${sql}`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** The SQLSTATE a query outside any transaction failed with, or 'allowed'. */
export async function sqlstate(query: Promise<unknown>): Promise<string> {
  try {
    await query;
    return 'allowed';
  } catch (error) {
    return (error as { code: string }).code;
  }
}
