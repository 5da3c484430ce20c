/**
 * Proof of a widening, where one can be had: the isolation probe (src/probe)
 * runs as the widened role on both embedded copies — the base and the head,
 * each a throwaway engine — over the widened tables only. A widening is
 * proven when the head leaks through one of the change's commands and the
 * base does not. The probe never runs on a live database here.
 */
import { TenantguardError } from '../errors.js';
import { COMMAND } from '../isolation/verdicts.js';
import { displayName } from '../sql/quote.js';
import type { InconclusiveCheck, ProbeLeak } from '../probe/probe.js';
import type { RuleContext } from '../rules/types.js';
import type { AccessChange, Proof } from './compare.js';
import type { CellCommand } from './matrix.js';
import type { Side } from './sides.js';

const PROBED_COMMANDS: readonly CellCommand[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

export interface ProveOptions {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  onProgress?: (message: string) => void;
}

/** A widening the probe can test: on a table, for one role it can SET ROLE to, through row commands. */
function provable(change: AccessChange): boolean {
  return (
    change.class === 'widened' &&
    change.object.kind === 'table' &&
    change.role !== null &&
    change.role !== 'PUBLIC' &&
    change.commands.every((c) => PROBED_COMMANDS.includes(c))
  );
}

const keyOf = (change: AccessChange) => `${change.object.schema}.${change.object.name}`;

/** The schema as `role` sees it: the probe acts as the configured app role. */
function asRole(context: RuleContext, role: string): RuleContext {
  return { ...context, tenancy: { ...context.tenancy, appRole: role } };
}

type Outcome = { leaks: ProbeLeak[]; inconclusive: InconclusiveCheck[] } | { problem: string };

async function probe(side: Side, role: string, keys: string[], options: ProveOptions): Promise<Outcome> {
  const engine = side.engine!;
  // Where the role holds nothing on a table (it is not a tenant table there, the role does not exist or has no privilege), it cannot leak.
  const held = new Set(side.matrix.tables.filter((t) => t.cells.some((c) => c.role === role)).map((t) => `${t.schema}.${t.name}`));
  const tables = keys.filter((key) => held.has(key));
  if (tables.length === 0) return { leaks: [], inconclusive: [] };
  const { probeDatabase } = await import('../probe/probe.js');
  try {
    const report = await probeDatabase(engine.source.connection.client, asRole(engine.context, role), {
      tables,
      statementTimeoutMs: options.statementTimeoutMs,
      lockTimeoutMs: options.lockTimeoutMs,
    });
    return { leaks: report.leaks, inconclusive: report.inconclusive };
  } catch (error) {
    if (error instanceof TenantguardError) return { problem: error.message };
    throw error;
  }
}

function leaksOf(outcome: { leaks: ProbeLeak[] }, key: string, commands: readonly CellCommand[]) {
  return outcome.leaks.filter((leak) => leak.case.key === key && commands.includes(COMMAND[leak.check]));
}

function proofOf(change: AccessChange, head: Outcome, base: Outcome): Proof {
  if ('problem' in head) return { status: 'not-probed', detail: `the probe could not run at the head: ${head.problem}` };
  if ('problem' in base) return { status: 'not-probed', detail: `the probe could not run at the base: ${base.problem}` };
  const key = keyOf(change);
  const now = leaksOf(head, key, change.commands);
  if (now.length === 0) {
    const table = displayName(change.object.schema, change.object.name);
    const open = head.inconclusive.find((c) => c.table === table);
    return open
      ? { status: 'not-probed', detail: `the probe could not conclude at the head: ${open.reason}` }
      : { status: 'not-reproduced', detail: `the probe found no leak as ${change.role} at the head` };
  }
  const before = leaksOf(base, key, change.commands);
  if (before.length > 0) return { status: 'not-reproduced', detail: `the probe leaks at the base as well: ${before[0]!.statement} ${before[0]!.leaked}` };
  return { status: 'proven', detail: `${now[0]!.statement} ${now[0]!.leaked}` };
}

/** The changes, widenings on tables carrying what the probe showed on both copies. Both sides must be embedded. */
export async function proveWidenings(changes: readonly AccessChange[], base: Side, head: Side, options: ProveOptions): Promise<AccessChange[]> {
  if (!base.engine || !head.engine) return [...changes];
  const roles = [...new Set(changes.filter(provable).map((c) => c.role!))].sort();
  const proofs = new Map<AccessChange, Proof>();
  for (const role of roles) {
    const mine = changes.filter((c) => provable(c) && c.role === role);
    const keys = [...new Set(mine.map(keyOf))];
    options.onProgress?.(`probing ${keys.length} table${keys.length === 1 ? '' : 's'} as ${role} at the base and the head`);
    const baseOutcome = await probe(base, role, keys, options);
    const headOutcome = await probe(head, role, keys, options);
    for (const change of mine) proofs.set(change, proofOf(change, headOutcome, baseOutcome));
  }
  return changes.map((change) => {
    const proof = proofs.get(change);
    return proof ? { ...change, proof } : change;
  });
}
