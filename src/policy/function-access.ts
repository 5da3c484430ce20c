/**
 * What a function body reads and writes, for SECURITY DEFINER functions:
 * they run with their owner's rights (usually the tables' owner, exempt from
 * RLS), so each read and write is safe only when the body itself keeps it
 * to the caller — by its WHERE (`WHERE user_id = auth.uid()`), or by a check
 * of the caller it has passed before (`IF NOT EXISTS (<caller's membership
 * in org>) THEN RAISE …`, then `UPDATE … WHERE organization_id = org`).
 * Each table a body touches gets a three-valued decision (verdict.ts):
 * scoped, not scoped (a row of any tenant can be reached), or unknown.
 */
import type { RoutineInfo, Table } from '../catalog/types.js';
import { entryFor, type Env, type Lookup, type RangeEntry } from './env.js';
import { evaluator } from './evaluator.js';
import { parseBody, type ParsedBody } from './function-body.js';
import type { Expr, FromItem, Query } from './model.js';
import type { Term } from './terms.js';
import { allOf, decisionOf, worseDecision, type Decision, type Verdict } from './verdict.js';
import type { Write } from './writes.js';

export interface Touch {
  table: Table;
  write: boolean;
  decision: Decision;
  /** Unknown: what could not be proven; not scoped: the condition that reaches other tenants' rows. */
  detail: string | null;
}

export interface FunctionAccess {
  reads: Table[];
  writes: Table[];
  /** Each table read or written, with whether the body keeps it to the caller (worst decision over its statements). */
  touches: Touch[];
  /** Tables read without a condition limiting the rows to the session's user or tenant (decided not scoped). */
  unlimitedReads: Table[];
  /** False for trigger functions: Postgres refuses to call a function returning `trigger` or `event_trigger` directly. */
  callable: boolean;
  /** Runs dynamic SQL (EXECUTE): what it touches cannot be known. */
  dynamic: boolean;
  /** The body could not be parsed (C, internal, syntax unknown to the parser). */
  problem: string | null;
}

const TRIGGER_RESULTS = new Set(['trigger', 'event_trigger']);

function subqueriesOf(e: unknown, out: Query[] = []): Query[] {
  if (Array.isArray(e)) e.forEach((x) => subqueriesOf(x, out));
  else if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (o.kind === 'sublink') out.push(o.query as Query);
    else if (o.kind === 'other') out.push(...(o.queries as Query[]));
    Object.entries(o).forEach(([k, v]) => k !== 'query' && k !== 'queries' && subqueriesOf(v, out));
  }
  return out;
}

function conjunctsOf(e: Expr | null): Expr[] {
  if (!e) return [];
  return e.kind === 'and' ? e.args.flatMap(conjunctsOf) : [e];
}

function detailOf(v: Verdict): string | null {
  const unverified = v.reasons.find((r) => r.kind === 'unverified');
  if (unverified?.kind === 'unverified') return unverified.detail;
  return v.reasons[0] ? v.reasons[0].text : null;
}

/**
 * How the rows of `entry` that a statement reaches are limited: by the
 * statement's own conditions, and by the facts known when it runs, with each
 * parameter the statement equates with a column of `entry` read as that
 * column (`WHERE organization_id = org` after a check that the caller is a
 * member of `org` reaches only the caller's organizations).
 */
function rowsVerdict(entry: RangeEntry, conditions: Expr[], facts: Expr[], env: Env): Verdict {
  const own = allOf(conditions.map((c) => env.evaluator.classify(c, { ...env, focus: entry })));
  if (facts.length === 0 || !env.params) return own;
  const values = [...env.params.values];
  const quiet: Env = { ...env, notes: null };
  for (const c of conditions) {
    if (!((c.kind === 'op' && c.op === '=' && c.left) || (c.kind === 'distinct' && c.negated))) continue;
    const sides = [env.evaluator.term(c.left!, quiet), env.evaluator.term(c.right, quiet)];
    for (const [x, y] of [sides, [...sides].reverse()] as [Term, Term][]) {
      const i = env.params.values.indexOf(x);
      if (i >= 0 && y.t === 'column' && y.entry === entry) values[i] = y;
    }
  }
  const bound: Env = { ...env, focus: entry, params: { ...env.params, values } };
  return allOf([own, ...facts.map((f) => env.evaluator.classify(f, bound))]);
}

export function functionAccess(fn: RoutineInfo, lookup: Lookup): FunctionAccess {
  const callable = !TRIGGER_RESULTS.has(fn.returns.trim().toLowerCase());
  const none: FunctionAccess = { reads: [], writes: [], touches: [], unlimitedReads: [], callable, dynamic: false, problem: null };
  let body: ParsedBody | undefined = lookup.bodies.get(fn);
  if (!body) {
    body = parseBody(fn, lookup.parser);
    lookup.bodies.set(fn, body);
  }
  if (body.unreadable) return { ...none, problem: body.unreadable };
  const touches = new Map<string, Touch>();
  const touch = (table: Table, write: boolean, decision: Decision, detail: string | null) => {
    const key = `${write}|${table.oid}`;
    const before = touches.get(key);
    if (before && worseDecision(before.decision, decision) === before.decision) return;
    touches.set(key, { table, write, decision, detail });
  };
  const nearSchema = fn.searchPath?.split(',')[0]?.trim().replace(/^"|"$/g, '') || fn.schema;
  // each parameter is a value the caller chooses: a distinct unknown, until a statement equates it with a column
  const params: Term[] = body.paramNames.map((n, i) => ({ t: 'other', text: n ?? `$${i + 1}`, unverified: null }));
  const env: Env = {
    lookup,
    evaluator,
    frames: [[]],
    focus: entryFor(null, '?', lookup.tenantColumn),
    params: { functionName: fn.name, names: body.paramNames, values: params, columnsFirst: fn.language === 'sql' },
    role: fn.securityDefiner ? fn.owner : null,
    caller: null,
    inSubquery: true,
    notes: null,
    callChain: [`${fn.schema}.${fn.name}(${fn.identityArguments})`],
    functionHints: [],
    nearSchema,
  };

  /** Every FROM item of a query (and of its subqueries), with how the rows it reaches are limited. */
  const visit = (q: Query, outer: Env, facts: Expr[], target: Write | null): void => {
    if (q.setOp) return [q.setOp.left, q.setOp.right].forEach((b) => visit(b, outer, facts, null));
    const { entries, env: inner } = outer.evaluator.levelRestrictions(q, outer);
    entries.forEach(([entry, level], i) => {
      if (!entry.table) return;
      const write = target !== null && i === 0;
      if (level !== null) return touch(entry.table, write, 'scoped', null);
      const v = rowsVerdict(entry, conjunctsOf(q.where), facts, inner);
      touch(entry.table, write, decisionOf(v.scope), detailOf(v));
    });
    const nested = [...subqueriesOf(q.targets), ...subqueriesOf(q.where), ...subqueriesOf(q.from.filter((f) => f.kind === 'join'))];
    for (const item of q.from) if (item.kind === 'subquery') nested.push(item.query);
    nested.forEach((n) => visit(n, inner, facts, null));
  };

  /** The new rows of an INSERT (or the columns an UPDATE sets): their column values, with the facts. */
  const newRows = (table: Table, alias: string, columns: string[], rows: Expr[][], facts: Expr[]): Decision => {
    const entry = entryFor(table, alias, lookup.tenantColumn);
    const rowEnv: Env = { ...env, frames: [...env.frames, [entry]] };
    let decision: Decision = 'scoped';
    for (const row of rows) {
      const equal: Expr[] = columns.flatMap((c, i) => (row[i] ? [{ kind: 'op', op: '=', left: { kind: 'column', fields: [alias, c] }, right: row[i]! } as Expr] : []));
      const v = rowsVerdict(entry, equal, facts, rowEnv);
      // a new row pinned to the caller but not to a tenant (user_id = auth.uid(), any organization_id) joins any tenant
      const pinned = v.scope === 'owner' && entry.tenantColumn !== null ? 'not-scoped' : decisionOf(v.scope);
      decision = worseDecision(decision, pinned);
      subqueriesOf(row).forEach((n) => visit(n, env, facts, null));
    }
    return decision;
  };

  const visitWrite = (w: Write, facts: Expr[]): void => {
    for (const t of w.targets) {
      const table = lookup.table(t.schema, t.name, nearSchema);
      if (!table) continue;
      const alias = t.alias ?? t.name;
      if (w.command === 'truncate') touch(table, true, 'not-scoped', 'TRUNCATE empties every tenant');
      else if (w.command === 'merge') touch(table, true, 'unknown', 'MERGE is not analysed');
      else if (w.command === 'insert') {
        if (w.source) {
          touch(table, true, 'unknown', 'the rows of INSERT … SELECT are not analysed');
          visit(w.source, env, facts, null);
        } else if (!table.columns.some((c) => c.name === lookup.tenantColumn) || w.columns.includes(lookup.tenantColumn)) {
          touch(table, true, newRows(table, alias, w.columns, w.rows, facts), null);
        } else touch(table, true, 'unknown', `the ${lookup.tenantColumn} of the rows it inserts is left to the column's default`);
      } else {
        const relation: FromItem = { kind: 'relation', schema: t.schema, name: t.name, alias };
        visit({ targets: [], from: [relation, ...w.from], where: w.where, setOp: null, grouped: false }, env, facts, w);
        const moved = w.columns.indexOf(lookup.tenantColumn);
        if (moved >= 0) touch(table, true, newRows(table, alias, [lookup.tenantColumn], [[w.rows[0]![moved]!]], facts), null);
        subqueriesOf(w.rows).forEach((n) => visit(n, env, facts, null));
      }
      subqueriesOf(w.returning).forEach((n) => visit(n, env, facts, null));
    }
  };

  for (const st of body.statements) {
    if (st.query) visit(st.query, env, st.facts, null);
    if (st.write) visitWrite(st.write, st.facts);
  }
  const all = [...touches.values()];
  const tables = (write: boolean) => [...new Set(all.filter((t) => t.write === write).map((t) => t.table))];
  return {
    reads: tables(false),
    writes: tables(true),
    touches: all,
    unlimitedReads: all.filter((t) => !t.write && t.decision === 'not-scoped').map((t) => t.table),
    callable,
    dynamic: body.dynamic,
    problem: null,
  };
}
