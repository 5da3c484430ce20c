/**
 * What a probe run found, and what every check needs to reach it: the
 * session, the plan, the seeded rows and the app role. Verdicts come from
 * isolation/verdicts.ts; a leak becomes a finding, an inconclusive check is
 * kept per table, never turned into a pass.
 */
import { withLiterals } from '../isolation/statements.js';
import type { IsolationCase, IsolationPlan, StatementPart } from '../isolation/types.js';
import type { CheckName, RowTexts, Verdict } from '../isolation/verdicts.js';
import { quoteLiteral } from '../sql/quote.js';
import type { Seeded } from './seed.js';
import type { ProbeSession } from './session.js';

export interface ProbeLeak {
  case: IsolationCase;
  check: CheckName;
  kind: 'read' | 'write';
  /** The tenant context the statement ran under, as the app sets it. */
  context: string;
  /** The statement that leaked, with its values inlined. */
  statement: string;
  /** What happened, as a verb phrase: `returned org B's row {…}`. */
  leaked: string;
  /** Extra evidence (the constraint that stopped a write the policies let through). */
  detail: string | null;
  /** Distinguishes problems of one table and rule (stable across runs: no ids). */
  key: string;
}

/** A table the probe could not prove isolated or leaking, and why. */
export interface InconclusiveCheck {
  table: string;
  reason: string;
}

export class ProbeRun {
  readonly leaks: ProbeLeak[] = [];
  readonly inconclusive: InconclusiveCheck[] = [];
  /** What the run wants the reader to know that is no verdict (how writes were sent, how rows were seeded). */
  readonly notes: string[] = [];

  constructor(
    readonly session: ProbeSession,
    readonly plan: IsolationPlan,
    readonly seeded: Seeded,
    readonly role: string,
  ) {}

  /** A statement with the seeded rows' values inlined as literals. */
  sql(parts: readonly StatementPart[]): string {
    return withLiterals(parts, this.seeded.resolve);
  }

  rowTexts(c: IsolationCase): RowTexts {
    const text = (id: string) => this.seeded.returned.get(id)?.[2] ?? id;
    return { own: text(c.own), other: text(c.other) };
  }

  /** `tableoid/ctid` of a seeded row, as reads return it. */
  identity(id: string): string {
    const returned = this.seeded.returned.get(id)!;
    return `${returned[0]}/${returned[1]}`;
  }

  orgId(org: 'A' | 'B'): string {
    return this.seeded.orgId(org)!;
  }

  /** `SELECT pg_catalog.set_config(setting, value, true)`: what the app does, transaction-local. */
  static setConfig(setting: string, value: string): string {
    return `SELECT pg_catalog.set_config(${quoteLiteral(setting)}, ${quoteLiteral(value)}, true)`;
  }

  hasLeak(c: IsolationCase, check: CheckName): boolean {
    return this.leaks.some((l) => l.case === c && l.check === check);
  }

  record(c: IsolationCase, check: CheckName, key: string, verdict: Verdict, context: string, statement: string): void {
    if (verdict.kind === 'inconclusive') this.inconclusive.push({ table: c.table, reason: verdict.reason });
    if (verdict.kind !== 'leak') return;
    const kind = check.startsWith('select') ? 'read' : 'write';
    this.leaks.push({ case: c, check, kind, context, statement, leaked: verdict.leaked, detail: verdict.detail, key });
  }
}
