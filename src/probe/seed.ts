/**
 * Seeds the plan's rows inside the probe's transaction. Rows are sent in
 * batches, one per dependency level (a row only refers to rows of earlier
 * levels), so a thousand tables seed in a handful of round trips. When a
 * batch fails, it is replayed row by row to find the rows that cannot be
 * inserted; a row that fails is retried under its organization's context
 * (row level security applies to a table owner under FORCE; a trigger may
 * take the tenant from the context).
 */
import { withLiterals } from '../isolation/statements.js';
import type { IsolationPlan, Org, SeedRow, SeedValue } from '../isolation/types.js';
import { seededValue } from '../isolation/verdicts.js';
import type { ProbeSession } from './session.js';
import { quoteLiteral } from '../sql/quote.js';

export interface Seeded {
  /** Row id → [tableoid, ctid, row as JSON, ...returns] as text. */
  returned: Map<string, (string | null)[]>;
  /** Row id → why it could not be inserted. */
  failed: Map<string, string>;
  /** set_config was called for the context setting while seeding: "never set" can no longer be observed. */
  contextUsed: boolean;
  resolve(value: SeedValue): string;
  orgId(org: Org): string | null;
}

const SEED_SAVEPOINT = 'SAVEPOINT tenantguard_seed';
const BATCH = 500;

function errorText(error: unknown): string {
  const state = (error as { code?: string }).code;
  return `${state ? `${state}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
}

function createSeeded(plan: IsolationPlan): Seeded {
  const rows = new Map(plan.rows.map((r) => [r.id, r]));
  const seeded: Seeded = {
    returned: new Map(),
    failed: new Map(),
    contextUsed: false,
    resolve: (value) => seededValue(value, seeded.returned, (id) => rows.get(id)?.returns),
    orgId(org) {
      try {
        return seeded.resolve(plan.orgs[org]);
      } catch {
        return null;
      }
    },
  };
  return seeded;
}

/** Dependency level of each row: 0 for rows that refer to no other row. */
function levels(rows: readonly SeedRow[]): SeedRow[][] {
  const level = new Map<string, number>();
  const byLevel: SeedRow[][] = [];
  for (const row of rows) {
    const refs = row.insert.filter((p): p is { row: string; column: string } => typeof p !== 'string' && 'row' in p);
    const mine = refs.length === 0 ? 0 : Math.max(...refs.map((r) => (level.get(r.row) ?? 0) + 1));
    level.set(row.id, mine);
    (byLevel[mine] ??= []).push(row);
  }
  return byLevel.filter(Boolean);
}

function dependsOnFailed(row: SeedRow, seeded: Seeded): string | null {
  for (const part of row.insert) {
    if (typeof part !== 'string' && 'row' in part && !seeded.returned.has(part.row)) {
      return `its parent row ${part.row} could not be inserted`;
    }
  }
  return null;
}

async function insertOne(session: ProbeSession, plan: IsolationPlan, row: SeedRow, seeded: Seeded): Promise<void> {
  const missing = dependsOnFailed(row, seeded);
  if (missing) {
    seeded.failed.set(row.id, missing);
    return;
  }
  const sql = withLiterals(row.insert, seeded.resolve);
  try {
    seeded.returned.set(row.id, (await session.one(SEED_SAVEPOINT, sql)).rows[0] as (string | null)[]);
    return;
  } catch (error) {
    await session.control('ROLLBACK TO SAVEPOINT tenantguard_seed');
    const org = seeded.orgId(row.org ?? 'A');
    if (org === null) {
      seeded.failed.set(row.id, errorText(error));
      return;
    }
    // Row level security may apply to the connected role (a table owner under FORCE), or a trigger may
    // derive the tenant from the context: insert under the row's organization's context.
    try {
      seeded.contextUsed = true;
      const setContext = (value: string) => `SELECT pg_catalog.set_config(${quoteLiteral(plan.setting)}, ${quoteLiteral(value)}, true)`;
      // Back to '' afterwards, so the next row is not inserted under this org by accident.
      const results = await session.batch(SEED_SAVEPOINT, [setContext(org), sql, setContext('')]);
      seeded.returned.set(row.id, results[1]!.rows[0] as (string | null)[]);
    } catch (retry) {
      await session.control('ROLLBACK TO SAVEPOINT tenantguard_seed');
      seeded.failed.set(row.id, `${errorText(error)}; under org ${row.org ?? 'A'}'s context: ${errorText(retry)}`);
    }
  }
}

export async function seedRows(session: ProbeSession, plan: IsolationPlan): Promise<Seeded> {
  const seeded = createSeeded(plan);
  for (const level of levels(plan.rows)) {
    for (let start = 0; start < level.length; start += BATCH) {
      const chunk = level.slice(start, start + BATCH).filter((row) => {
        const missing = dependsOnFailed(row, seeded);
        if (missing) seeded.failed.set(row.id, missing);
        return !missing;
      });
      if (chunk.length === 0) continue;
      try {
        const results = await session.batch(SEED_SAVEPOINT, chunk.map((row) => withLiterals(row.insert, seeded.resolve)));
        chunk.forEach((row, i) => seeded.returned.set(row.id, results[i]!.rows[0] as (string | null)[]));
      } catch {
        await session.control('ROLLBACK TO SAVEPOINT tenantguard_seed');
        for (const row of chunk) await insertOne(session, plan, row, seeded);
      }
    }
  }
  return seeded;
}
