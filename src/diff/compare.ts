/**
 * Compares two access matrices cell by cell (object × role × command) and
 * classifies what changed (pure):
 * - widened: a role can now reach another tenant's rows, or a write check no
 *   longer pins the tenant (error);
 * - narrowed: a role loses access it had (warning: the app may rely on it);
 * - unknown: the analysis cannot decide whether the tenant is still pinned (warning);
 * - added: a role gains access that stays within its tenant (info);
 * - equivalent: the policies or the route changed, the reach did not (info).
 * Cells of one object and role that changed alike, for the same reasons, are
 * reported as one change listing their commands.
 */
import type { Severity } from '../config/types.js';
import type { SourceLocation } from '../rules/types.js';
import { describeChange, describeState, type CellState } from './describe.js';
import { tenantNoun } from '../tenancy/describe-policy.js';
import { entryKey, sortCommands, type AccessCell, type AccessMatrix, type CellCommand, type Reach, type RoleEntry } from './matrix.js';

export type ChangeClass = 'widened' | 'narrowed' | 'unknown' | 'added' | 'equivalent';

export const SEVERITY_OF_CLASS: Readonly<Record<ChangeClass, Severity>> = {
  widened: 'error',
  narrowed: 'warning',
  unknown: 'warning',
  added: 'info',
  equivalent: 'info',
};

/** Most telling first: the order changes of one cell are judged in, and reports list classes in. */
export const CLASS_ORDER: readonly ChangeClass[] = ['widened', 'unknown', 'narrowed', 'added', 'equivalent'];

export interface ChangedObject {
  kind: 'table' | 'view' | 'materialized-view' | 'function' | 'role';
  /** null for a role. */
  schema: string | null;
  name: string;
  /** A function's identity arguments. */
  arguments?: string;
}

/** What the probe showed about a widened change on the embedded copies (prove.ts). */
export interface Proof {
  status: 'proven' | 'not-reproduced' | 'not-probed';
  /** The leaking statement at head, or why the probe did not settle it. */
  detail: string;
}

export interface AccessChange {
  class: ChangeClass;
  severity: Severity;
  object: ChangedObject;
  /** The role, `PUBLIC`, or null for a change of the object's protection that no role the verdicts are about reaches today. */
  role: string | null;
  commands: CellCommand[];
  before: CellState | null;
  after: CellState | null;
  /** `own organization's rows → every organization's rows` */
  summary: string;
  /** Why it is as it is now (why access was lost, for narrowed changes). */
  reasons: string[];
  /** Policies of the object that were added, dropped or rewritten: where to look in the migrations. */
  policies: string[];
  /** The migration statement that made the change (locate.ts). */
  location?: SourceLocation;
  proof?: Proof;
}

const RANK: Record<Reach, number> = { none: 0, own: 1, user: 1, unknown: 2, any: 3 };

/** How one side (rows read, or rows written) moved. */
function classifySide(before: Reach | null, after: Reach | null): ChangeClass | null {
  if (before === after) return null;
  const b = before ?? 'none';
  const a = after ?? 'none';
  if (b === a) return null;
  if (a === 'any') return 'widened';
  if (a === 'unknown') return 'unknown';
  if (b === 'unknown') return a === 'none' ? 'narrowed' : 'unknown';
  if (b === 'own' && a === 'user') return 'unknown'; // pinned to a user, no longer to a tenant
  return RANK[a] > RANK[b] || (b === 'user' && a === 'own') ? 'added' : 'narrowed';
}

function worst(classes: (ChangeClass | null)[]): ChangeClass | null {
  return CLASS_ORDER.find((c) => classes.includes(c)) ?? null;
}

function policyKey(cell: AccessCell | null): Map<string, string> {
  const byName = new Map<string, string>();
  for (const p of cell?.policies ?? []) byName.set(p.name, `${byName.get(p.name) ?? ''}${JSON.stringify(p)}`);
  return byName;
}

/**
 * The policies behind a change: those present on one side only or rewritten,
 * when policies decide on both sides, and those that make the head loose.
 */
function causePolicies(cls: ChangeClass, before: AccessCell | null, after: AccessCell | null): string[] {
  const names = new Set<string>();
  if (before?.via === 'policies' && after?.via === 'policies') {
    const b = policyKey(before);
    const a = policyKey(after);
    for (const name of new Set([...b.keys(), ...a.keys()])) if (b.get(name) !== a.get(name)) names.add(name);
  }
  if (cls === 'widened' || cls === 'unknown') for (const p of after?.policies ?? []) if (p.loose) names.add(p.name);
  return [...names];
}

function sameRoute(before: AccessCell, after: AccessCell): boolean {
  return before.via === after.via && JSON.stringify(before.policies) === JSON.stringify(after.policies);
}

interface CellChange {
  class: ChangeClass;
  command: CellCommand;
  role: string;
  before: AccessCell | null;
  after: AccessCell | null;
  reasons: string[];
}

/** A cell that exists on one side only had (or has) no privilege: it reaches nothing. */
function absentReasons(object: ObjectPair): string[] {
  if (object.head === null) return [`the ${object.object.kind.replace('-', ' ')} is gone (dropped, renamed or no longer holding tenant rows)`];
  return ['the privilege is no longer held'];
}

function compareCell(object: ObjectPair, role: string, command: CellCommand, before: AccessCell | null, after: AccessCell | null, forced: ChangeClass | null): CellChange | null {
  const sides = [classifySide(before?.rows ?? null, after?.rows ?? null), classifySide(before?.check ?? null, after?.check ?? null)];
  let cls = worst([forced, ...sides]);
  if (cls === null && before && after && !sameRoute(before, after)) cls = before.rows === 'unknown' || before.check === 'unknown' ? 'unknown' : 'equivalent';
  if (cls === null) return null;
  const reasons = after ? after.reasons : absentReasons(object);
  return { class: cls, command, role, before, after, reasons };
}

interface ObjectPair {
  object: ChangedObject;
  base: { cells: AccessCell[] } | null;
  head: { cells: AccessCell[] } | null;
  /** A class every changed caller gets (a function whose search_path is no longer pinned). */
  forced: ChangeClass | null;
  /** Protection of the object that loosened (RLS or FORCE off, new owner), for when no role shows it. */
  loosened: string[];
}

function cellChanges(pair: ObjectPair): CellChange[] {
  const key = (c: AccessCell) => `${c.role}\0${c.command}`;
  const before = new Map((pair.base?.cells ?? []).map((c) => [key(c), c]));
  const after = new Map((pair.head?.cells ?? []).map((c) => [key(c), c]));
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  return keys.flatMap((k) => {
    const [role, command] = k.split('\0') as [string, CellCommand];
    const forced = pair.forced && after.has(k) ? pair.forced : null;
    return compareCell(pair, role, command, before.get(k) ?? null, after.get(k) ?? null, forced) ?? [];
  });
}

/**
 * Cells of one role that moved alike for one cause — the same policies, or
 * the same route and reasons — are one change, their reasons merged.
 */
function group(pair: ObjectPair, changes: CellChange[], noun: string): AccessChange[] {
  const groups = new Map<string, { members: CellChange[]; policies: string[] }>();
  for (const change of changes) {
    const policies = causePolicies(change.class, change.before, change.after).sort();
    const cause = policies.length > 0 ? policies : [change.after?.via ?? change.before?.via ?? '', ...change.reasons];
    const key = JSON.stringify([change.class, change.role, describeState(change.before, noun), describeState(change.after, noun), cause]);
    const entry = groups.get(key) ?? { members: [], policies };
    entry.members.push(change);
    groups.set(key, entry);
  }
  return [...groups.values()].map(({ members, policies }) => {
    const first = members[0]!;
    const before = first.before ? stateOf(first.before) : null;
    const after = first.after ? stateOf(first.after) : null;
    return {
      class: first.class,
      severity: SEVERITY_OF_CLASS[first.class],
      object: pair.object,
      role: first.role,
      commands: sortCommands(members.map((m) => m.command)),
      before,
      after,
      summary: describeChange(before, after, noun),
      reasons: [...new Set(members.flatMap((m) => m.reasons))],
      policies,
    };
  });
}

function stateOf(cell: AccessCell): CellState {
  return { via: cell.via, rows: cell.rows, check: cell.check };
}

/** Entries of both sides matched by key: [base, head], either null where the other side has none. */
function matchEntries<T extends { schema: string; name: string; arguments?: string }>(base: readonly T[], head: readonly T[]): [T | null, T | null][] {
  const b = new Map(base.map((e) => [entryKey(e), e]));
  const h = new Map(head.map((e) => [entryKey(e), e]));
  return [...new Set([...b.keys(), ...h.keys()])].map((key) => [b.get(key) ?? null, h.get(key) ?? null]);
}

function tablePairs(base: AccessMatrix, head: AccessMatrix): ObjectPair[] {
  return matchEntries(base.tables, head.tables).map(([b, h]) => {
    const e = (h ?? b)!;
    const loosened: string[] = [];
    if (h && !h.rls && (b === null || b.rls)) loosened.push(b === null ? 'it holds tenant rows without row level security' : 'row level security was disabled');
    else if (h && b && h.rls && b.force && !h.force) loosened.push('FORCE ROW LEVEL SECURITY was removed, so its owner bypasses the policies');
    if (h && b && h.owner !== b.owner && h.rls && !h.force) loosened.push(`its owner changed from ${b.owner} to ${h.owner}, who bypasses the policies`);
    return { object: { kind: 'table', schema: e.schema, name: e.name }, base: b, head: h, forced: null, loosened };
  });
}

function viewPairs(base: AccessMatrix, head: AccessMatrix): ObjectPair[] {
  return matchEntries(base.views, head.views).map(([b, h]) => {
    const e = (h ?? b)!;
    return { object: { kind: e.kind, schema: e.schema, name: e.name }, base: b, head: h, forced: null, loosened: [] };
  });
}

function functionPairs(base: AccessMatrix, head: AccessMatrix): ObjectPair[] {
  return matchEntries(base.functions, head.functions).map(([b, h]) => {
    const e = (h ?? b)!;
    // A caller's objects placed earlier on the search_path run with the owner's rights (docs/postgres-rls.md#security-definer).
    const unpinned = h !== null && !h.searchPathPinned && (b === null || b.searchPathPinned);
    return {
      object: { kind: 'function', schema: e.schema, name: e.name, arguments: e.arguments },
      base: b,
      head: h,
      forced: unpinned ? 'widened' : null,
      loosened: unpinned ? ['its search_path is no longer pinned'] : [],
    };
  });
}

/** A role that can now (or no longer) SET ROLE to a role exempt from every policy. */
function roleChanges(base: AccessMatrix, head: AccessMatrix, noun: string): AccessChange[] {
  return matchEntries(base.roles.map(asEntry), head.roles.map(asEntry)).flatMap(([b, h]): AccessChange[] => {
    if (b && h && b.via === h.via && b.attribute === h.attribute) return [];
    const entry = (h ?? b)!;
    const what = `SET ROLE ${entry.via}, which ${entry.attribute === 'superuser' ? 'is a superuser' : 'has BYPASSRLS'}`;
    return [
      {
        class: h ? 'widened' : 'narrowed',
        severity: h ? 'error' : 'warning',
        object: { kind: 'role', schema: null, name: entry.name },
        role: entry.name,
        commands: [],
        before: null,
        after: null,
        summary: h ? `can ${what}: every ${noun}'s rows of every table` : `can no longer ${what}`,
        reasons: h ? ['no row level security policy applies to a superuser or a BYPASSRLS role, and SET ROLE needs no password'] : [],
        policies: [],
      },
    ];
  });
}

function asEntry(role: RoleEntry): RoleEntry & { schema: string } {
  return { ...role, schema: '' };
}

/** A loosened protection no cell shows (no role the verdicts are about reaches the object today): a latent widening. */
function latentChange(pair: ObjectPair): AccessChange {
  return {
    class: 'widened',
    severity: 'warning',
    object: pair.object,
    role: null,
    commands: [],
    before: null,
    after: null,
    summary: pair.loosened.join('; '),
    reasons: ['no role the verdicts are about reaches it today; any role granted access later would reach every tenant\'s rows'],
    policies: [],
  };
}

function compareObjects(pair: ObjectPair, noun: string): AccessChange[] {
  const changes = group(pair, cellChanges(pair), noun);
  if (pair.loosened.length > 0 && !changes.some((c) => c.class === 'widened')) changes.push(latentChange(pair));
  return changes;
}

function objectOrder(a: AccessChange, b: AccessChange): number {
  const x = JSON.stringify([a.object.schema, a.object.name, a.object.kind, a.object.arguments ?? '', a.role ?? '', a.commands[0] ?? '']);
  const y = JSON.stringify([b.object.schema, b.object.name, b.object.kind, b.object.arguments ?? '', b.role ?? '', b.commands[0] ?? '']);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Every change from `base` to `head`, sorted by object, role and command. */
export function compareMatrices(base: AccessMatrix, head: AccessMatrix): AccessChange[] {
  const pairs = [...tablePairs(base, head), ...viewPairs(base, head), ...functionPairs(base, head)];
  const noun = tenantNoun(head);
  return [...pairs.flatMap((pair) => compareObjects(pair, noun)), ...roleChanges(base, head, noun)].sort(objectOrder);
}

export type ChangeCounts = Record<ChangeClass, number>;

export function countChanges(changes: readonly AccessChange[]): ChangeCounts {
  const counts: ChangeCounts = { widened: 0, narrowed: 0, unknown: 0, added: 0, equivalent: 0 };
  for (const change of changes) counts[change.class] += 1;
  return counts;
}
