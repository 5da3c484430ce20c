/**
 * Subqueries in policies: `EXISTS (SELECT 1 FROM organization_members m
 * WHERE m.organization_id = t.organization_id AND m.user_id = auth.uid())`,
 * `organization_id IN (SELECT … WHERE user_id = auth.uid())`. They pin the
 * outer row when they correlate it with rows that are themselves limited to
 * the session — by their WHERE clause, by a helper, or by the inner table's
 * own RLS (policy subqueries run with the querying role's rights).
 * Conditions, values and helpers inside are judged through `env.evaluator`.
 */
import { compareTerms, pinVerdict } from './compare.js';
import { entryFor, type Env, type RangeEntry, type SetPin } from './env.js';
import type { Expr, FromItem, Query } from './model.js';
import { printExpr, printQuery } from './print.js';
import type { Term } from './terms.js';
import { allOf, anyOf, DENY, open, type Reason, type Verdict } from './verdict.js';

type Level = SetPin | 'deny' | null;

interface QueryLevel {
  env: Env;
  entries: RangeEntry[];
  conjuncts: Expr[];
}

function conjunctsOf(e: Expr | null): Expr[] {
  if (!e) return [];
  return e.kind === 'and' ? e.args.flatMap(conjunctsOf) : [e];
}

function addFrom(item: FromItem, env: Env, entries: RangeEntry[], conjuncts: Expr[]): void {
  const tenantColumn = env.lookup.tenantColumn;
  switch (item.kind) {
    case 'relation': {
      const table = env.lookup.table(item.schema, item.name, env.nearSchema);
      entries.push(entryFor(table, item.alias ?? item.name, tenantColumn));
      return;
    }
    case 'function': {
      const entry = entryFor(null, item.alias ?? (item.call.kind === 'call' ? item.call.name.at(-1)! : '?'), tenantColumn);
      entry.pinned = item.call.kind === 'call' ? env.evaluator.setHelperPin(item.call, env) : null;
      entries.push(entry);
      return;
    }
    case 'subquery': {
      const entry = entryFor(null, item.alias ?? '?', tenantColumn);
      entry.pinned = setQueryPin(item.query, env);
      entries.push(entry);
      return;
    }
    case 'join':
      addFrom(item.left, env, entries, conjuncts);
      addFrom(item.right, env, entries, conjuncts);
      conjuncts.push(...conjunctsOf(item.on));
  }
}

function openLevel(query: Query, env: Env): QueryLevel {
  const entries: RangeEntry[] = [];
  const conjuncts: Expr[] = [];
  const outer: Env = { ...env, inSubquery: true };
  for (const item of query.from) addFrom(item, outer, entries, conjuncts);
  conjuncts.push(...conjunctsOf(query.where));
  return { env: { ...outer, frames: [...env.frames, entries] }, entries, conjuncts };
}

function columnsIn(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === 'column' || e.kind === 'param') out.push(e);
  else if (e.kind === 'sublink') out.push(e);
  else for (const v of Object.values(e)) {
    if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && 'kind' in x) columnsIn(x as Expr, out);
    if (v && typeof v === 'object' && !Array.isArray(v) && 'kind' in v) columnsIn(v as Expr, out);
  }
  return out;
}

/** A conjunct that mentions no column of this query level can be judged against the outer row. */
function isOuterOnly(e: Expr, level: QueryLevel): boolean {
  return columnsIn(e).every((c) => {
    if (c.kind === 'sublink') return false;
    const t = level.env.evaluator.term(c, { ...level.env, notes: null });
    return !(t.t === 'column' && level.entries.includes(t.entry));
  });
}

function better(a: Level, b: Level): Level {
  const rank = (l: Level) => (l === 'deny' ? 0 : l === 'tenant' ? 1 : l === 'owner' ? 2 : l === 'context' ? 3 : 4);
  return rank(a) <= rank(b) ? a : b;
}

function levelOfVerdict(v: Verdict): Level {
  return v.scope === 'deny' ? 'deny' : v.scope === 'tenant' ? 'tenant' : v.scope === 'owner' ? 'owner' : null;
}

/**
 * The level of rows joined to limited rows: the same, and `tenant` when the
 * join is on the tenant column of both (projects joined to the caller's own
 * membership rows on organization_id belong to the caller's tenants).
 */
function joined(level: Level, from: Term & { t: 'column' }, to: Term & { t: 'column' }): Level {
  if (level === null || level === 'deny') return level;
  const fromTenant = level === 'tenant' || from.column === from.entry.tenantColumn;
  return fromTenant && to.column === to.entry.tenantColumn ? 'tenant' : level;
}

interface Link {
  entry: RangeEntry;
  outer: Extract<Term, { t: 'column' }>;
  text: string;
}

interface Analysis {
  levels: Map<RangeEntry, Level>;
  links: Link[];
  lifted: Expr[];
  selfComparisons: Reason[];
  env: Env;
}

function analyseLevel(query: Query, env: Env, extra: { outer: Term; target: Expr } | null): Analysis {
  const level = openLevel(query, env);
  const levels = new Map<RangeEntry, Level>();
  for (const e of level.entries) {
    let l: Level = e.pinned;
    if (e.table) {
      const scope = env.lookup.rowScope(e.table, env.role);
      if (scope === 'tenant' || scope === 'owner' || scope === 'deny') l = better(l, scope);
    }
    levels.set(e, l);
  }
  const links: Link[] = [];
  const edges: [Term & { t: 'column' }, Term & { t: 'column' }][] = [];
  const lifted: Expr[] = [];
  const selfComparisons: Reason[] = [];
  const outerFocus = env.focus;
  const consider = (a: Term, b: Term, text: string) => {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      if (x.t !== 'column' || !level.entries.includes(x.entry)) continue;
      if (y.t === 'column' && y.entry === outerFocus) links.push({ entry: x.entry, outer: y, text });
      else if (y.t === 'column' && level.entries.includes(y.entry) && y.entry !== x.entry) edges.push([x, y]);
    }
  };
  for (const c of level.conjuncts) {
    if (isOuterOnly(c, level)) {
      lifted.push(c);
      continue;
    }
    if ((c.kind === 'op' && c.op === '=' && c.left) || (c.kind === 'distinct' && c.negated)) {
      const l = level.env.evaluator.term(c.left!, level.env);
      const r = level.env.evaluator.term(c.right, level.env);
      consider(l, r, printExpr(c));
    }
    for (const e of level.entries) {
      const v = level.env.evaluator.classify(c, { ...level.env, focus: e });
      if (v.alwaysTrue) selfComparisons.push(...v.reasons.filter((r) => r.kind === 'self-comparison'));
      levels.set(e, better(levels.get(e) ?? null, levelOfVerdict(v)));
    }
  }
  if (extra) {
    const target = level.env.evaluator.term(extra.target, level.env);
    if (target.t === 'column' && level.entries.includes(target.entry)) {
      if (extra.outer.t === 'column' && extra.outer.entry === outerFocus) {
        links.push({ entry: target.entry, outer: extra.outer, text: extra.outer.text });
      } else {
        const v = compareTerms(target, extra.outer, { ...level.env, focus: target.entry }, printExpr(extra.target));
        levels.set(target.entry, better(levels.get(target.entry) ?? null, levelOfVerdict(v)));
      }
    }
  }
  // rows joined on equality to rows limited to the session are limited too
  for (let i = 0; i < level.entries.length; i++) {
    for (const [x, y] of edges) {
      levels.set(y.entry, better(levels.get(y.entry) ?? null, joined(levels.get(x.entry) ?? null, x, y)));
      levels.set(x.entry, better(levels.get(x.entry) ?? null, joined(levels.get(y.entry) ?? null, y, x)));
    }
  }
  return { levels, links, lifted, selfComparisons, env: level.env };
}

function levelVerdict(a: Analysis, env: Env, text: string, direct: Verdict | null): Verdict {
  if ([...a.levels.values()].includes('deny')) return DENY;
  const parts: Verdict[] = direct ? [direct] : [];
  for (const link of a.links) {
    const l = a.levels.get(link.entry) ?? null;
    if (l === 'tenant' || l === 'owner' || l === 'context') parts.push(pinVerdict(link.outer, l, env, text));
    else parts.push(open({ kind: 'unscoped-subquery', text, table: link.entry.table?.name ?? null }));
  }
  let core: Verdict;
  if (parts.length > 0) core = allOf(parts);
  else if (a.selfComparisons.length > 0) core = { scope: 'open', alwaysTrue: false, reasons: a.selfComparisons };
  else if ([...a.levels.values()].some((l) => l !== null)) core = open({ kind: 'gate', text });
  else core = open({ kind: 'unconstrained', text });
  if (core.scope !== 'tenant' && a.selfComparisons.length > 0) {
    core = { ...core, reasons: [...a.selfComparisons, ...core.reasons.filter((r) => r.kind !== 'unscoped-subquery')] };
  }
  const outerEnv: Env = { ...a.env, focus: env.focus };
  return allOf([core, ...a.lifted.map((c) => outerEnv.evaluator.classify(c, outerEnv))]);
}

/** The FROM items of one query level and how the session limits each (for function bodies). */
export function levelRestrictions(query: Query, env: Env): { entries: [RangeEntry, SetPin | 'deny' | null][]; env: Env } {
  const a = analyseLevel(query, env, null);
  return { entries: [...a.levels.entries()], env: a.env };
}

function forEachBranch(query: Query, f: (q: Query) => Verdict): Verdict {
  if (!query.setOp) return f(query);
  const left = forEachBranch(query.setOp.left, f);
  const right = forEachBranch(query.setOp.right, f);
  if (query.setOp.op === 'intersect') return allOf([left, right]);
  if (query.setOp.op === 'except') return left;
  return anyOf([left, right]);
}

export function existsVerdict(query: Query, env: Env): Verdict {
  const text = `EXISTS (${printQuery(query)})`;
  return forEachBranch(query, (q) => levelVerdict(analyseLevel(q, env, null), env, text, null));
}

/** `<test> IN (SELECT <target> …)`: EXISTS with `<target> = <test>` added. */
export function inVerdict(test: Expr, query: Query, env: Env): Verdict {
  const outer = env.evaluator.term(test, env);
  const text = `${printExpr(test)} IN (${printQuery(query)})`;
  return forEachBranch(query, (q) => {
    if (q.targets.length !== 1) return open({ kind: 'unconstrained', text });
    const a = analyseLevel(q, env, { outer, target: q.targets[0]! });
    const target = env.evaluator.term(q.targets[0]!, { ...a.env, notes: null });
    let direct: Verdict | null = null;
    if (target.t === 'context' || target.t === 'set') direct = compareTerms(outer, target, env, text);
    else if (target.t === 'column' && a.levels.get(target.entry) === null && target.entry.pinned === null && !a.links.length) {
      direct = open({ kind: 'unscoped-subquery', text, table: target.entry.table?.name ?? null });
    }
    return levelVerdict(a, env, text, direct);
  });
}

/**
 * The values a one-column subquery or set-returning body returns, when they
 * all come from rows limited to the session (`SELECT organization_id FROM
 * organization_members WHERE user_id = auth.uid()`); null otherwise.
 */
export function setQueryPin(query: Query, env: Env): SetPin | null {
  if (query.setOp) {
    const l = setQueryPin(query.setOp.left, env);
    const r = setQueryPin(query.setOp.right, env);
    if (query.setOp.op === 'intersect') return l ?? r;
    if (query.setOp.op === 'except') return l;
    return l && r ? (l === r ? l : 'owner') : null;
  }
  if (query.targets.length !== 1) return null;
  const a = analyseLevel(query, env, null);
  if ([...a.levels.values()].includes('deny')) return 'tenant';
  const target = env.evaluator.term(query.targets[0]!, { ...a.env, notes: null });
  if (target.t === 'context') return target.ctx.principal ? 'context' : null;
  if (target.t === 'set') return target.pin;
  if (target.t === 'column') {
    const l = a.levels.get(target.entry) ?? target.entry.pinned;
    return l === 'deny' ? 'tenant' : l;
  }
  return null;
}
