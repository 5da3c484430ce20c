/**
 * Who reaches Supabase's storage.objects and realtime.messages, and what the
 * policies that let them in filter on. Both tables hold per-tenant data
 * without a tenant column (policy/surface-keys.ts): a policy either keys rows
 * by the tenant or user in the path or topic (scoped), admits every row,
 * narrows them only by constants such as the bucket (`bucket_id = 'avatars'`)
 * or the kind of channel message (`extension = 'broadcast'`), or filters on
 * something else.
 */
import type { Catalog, Policy, Table } from '../catalog/types.js';
import type { Expr } from '../policy/model.js';
import { printExpr } from '../policy/print.js';
import { surfaceOf, type Surface } from '../policy/surface-keys.js';
import type { Reason } from '../policy/verdict.js';
import { COMMANDS, type EffectiveAccess, type EffectivePredicate, type PolicySemantics, type PolicyTerm } from './effective.js';
import { reachingRoles, tablePrivileges } from './roles.js';
import type { Tenancy } from './types.js';

export interface SurfaceTable {
  table: Table;
  surface: Surface;
}

export function surfaceTables(catalog: Catalog): SurfaceTable[] {
  return catalog.tables.flatMap((table) => {
    const surface = surfaceOf(table);
    return surface ? [{ table, surface }] : [];
  });
}

/** Effective access of every app-facing role that reaches the table, per command it holds, when policies decide. */
export function surfaceAccesses(tenancy: Tenancy, policies: PolicySemantics, table: Table): Omit<EffectiveAccess, 'tenantTable'>[] {
  const out: Omit<EffectiveAccess, 'tenantTable'>[] = [];
  for (const role of reachingRoles(tenancy, table)) {
    if (!policies.appFacing(role)) continue;
    const held = new Set(tablePrivileges(tenancy.roles, role, table));
    for (const command of COMMANDS) {
      if (!held.has(command)) continue;
      const access = policies.accessOf(table, role, command);
      // RLS off or an exemption is rls-disabled's and role-bypasses-rls's finding; here only policies
      if (access.exemption === null) out.push(access);
    }
  }
  return out;
}

export function predicatesOf(access: Omit<EffectiveAccess, 'tenantTable'>): EffectivePredicate[] {
  return [access.read, access.check].filter((p): p is EffectivePredicate => p !== null);
}

/** True for every row, or true once a user is signed in: says nothing about which rows. */
export function unrestricting(reason: Reason): boolean {
  return reason.kind === 'always-true' || (reason.kind === 'gate' && reason.signedIn === true);
}

export function admitsEveryRow(term: PolicyTerm): boolean {
  return term.verdict.scope === 'open' && term.verdict.reasons.length > 0 && term.verdict.reasons.every(unrestricting);
}

/**
 * The permissive policies that admit every row (up to a signed-in check) when no restrictive policy
 * narrows them (permissive OR-ed, restrictive AND-ed); empty when the side is bounded in any way.
 */
export function openingTerms(predicate: EffectivePredicate): PolicyTerm[] {
  // a restrictive policy without an expression for this side restricts nothing
  if (!predicate.restrictive.every((t) => t.analysis === null || admitsEveryRow(t))) return [];
  return predicate.permissive.filter(admitsEveryRow);
}

/** The command opens every row: each side it has (UPDATE: the rows it reaches and the rows it writes) is open. */
export function opensEveryRow(access: Omit<EffectiveAccess, 'tenantTable'>): boolean {
  const sides = predicatesOf(access);
  return sides.length > 0 && sides.every((p) => openingTerms(p).length > 0);
}

/** Values a condition allows in the partition column; null = any value. */
export type Partition = ReadonlySet<string> | null;

function constText(e: Expr): string | null {
  if (e.kind === 'cast') return constText(e.arg);
  return e.kind === 'const' && typeof e.value === 'string' ? e.value : null;
}

function constList(e: Expr): string[] | null {
  if (e.kind === 'cast') return constList(e.arg);
  if (e.kind !== 'array') return null;
  const values = e.elements.map(constText);
  return values.every((v): v is string => v !== null) ? values : null;
}

function isPartitionColumn(e: Expr, surface: Surface): boolean {
  return e.kind === 'column' && e.fields.at(-1) === surface.partition && (e.fields.length === 1 || e.fields.at(-2) === surface.name);
}

/** `bucket_id = 'x'`, `bucket_id IN ('x', 'y')` (`= ANY (ARRAY[…])`), or an OR of them: the values allowed; null otherwise. */
function partitionValues(e: Expr, surface: Surface, texts: Set<string>): string[] | null {
  if (e.kind === 'op' && e.op === '=' && e.left) {
    const [col, value] = isPartitionColumn(e.left, surface) ? [e.left, e.right] : [e.right, e.left];
    const v = isPartitionColumn(col, surface) ? constText(value) : null;
    if (v !== null) texts.add(printExpr(e));
    return v === null ? null : [v];
  }
  if (e.kind === 'op-any' && !e.all && e.op === '=' && isPartitionColumn(e.left, surface)) {
    const list = constList(e.right);
    if (list) texts.add(printExpr(e));
    return list;
  }
  if (e.kind === 'in' && !e.negated && isPartitionColumn(e.left, surface)) {
    const list = e.list.map(constText);
    if (!list.every((v): v is string => v !== null)) return null;
    texts.add(printExpr(e));
    return list;
  }
  if (e.kind === 'or') {
    const parts = e.args.map((a) => partitionValues(a, surface, texts));
    return parts.every((p): p is string[] => p !== null) ? parts.flat() : null;
  }
  return null;
}

function conjunctsOf(e: Expr): Expr[] {
  return e.kind === 'and' ? e.args.flatMap(conjunctsOf) : [e];
}

/** The partition values a clause allows through its top-level conditions (null = any), and the texts of those conditions. */
export function partitionOfClause(expr: Expr, surface: Surface): { partition: Partition; texts: Set<string> } {
  const texts = new Set<string>();
  let partition: Set<string> | null = null;
  for (const c of conjunctsOf(expr)) {
    const values = partitionValues(c, surface, texts);
    if (values === null) continue;
    partition = partition === null ? new Set(values) : new Set(values.filter((v) => partition!.has(v)));
  }
  return { partition, texts };
}

/**
 * What a loose permissive policy, bounded by the restrictive ones, lets through: only rows of some
 * partition values (`bucket_id = 'x'`) up to signed-in checks (`bounded`), or rows chosen by a
 * condition the analysis cannot tie to a tenant (`unproven`, with the conditions).
 */
export type Admission = { kind: 'bounded'; partition: Partition } | { kind: 'unproven'; conditions: string[] };

export function admissionOf(terms: readonly PolicyTerm[], surface: Surface): Admission {
  let partition: Set<string> | null = null;
  const unproven: string[] = [];
  for (const term of terms) {
    if (term.analysis === null) continue;
    if (term.analysis.expr === null) {
      unproven.push(term.analysis.text);
      continue;
    }
    const own = partitionOfClause(term.analysis.expr, surface);
    for (const reason of term.verdict.reasons) {
      if (!unrestricting(reason) && !own.texts.has(reason.text)) unproven.push(reason.text);
    }
    if (own.partition !== null) partition = partition === null ? new Set(own.partition) : new Set([...own.partition].filter((v) => partition!.has(v)));
  }
  return unproven.length > 0 ? { kind: 'unproven', conditions: [...new Set(unproven)] } : { kind: 'bounded', partition };
}

/** A policy of the table that keys rows by the caller's tenant or user, naming the partition values it keys. */
export interface KeyingPolicy {
  policy: Policy;
  partition: Partition;
  /** Keyed by the signed-in user's own id (`(storage.foldername(name))[1] = auth.uid()::text`), not by a tenant. */
  perUser: boolean;
}

/** Policies on the table whose USING or WITH CHECK pins the path or topic to the caller's tenants or user. */
export function keyingPolicies(policies: PolicySemantics, table: Table, surface: Surface): KeyingPolicy[] {
  const out: KeyingPolicy[] = [];
  for (const policy of table.policies) {
    for (const which of ['using', 'withCheck'] as const) {
      const analysis = policies.clause(table, policy, which);
      if (analysis?.expr == null || (analysis.verdict.scope !== 'tenant' && analysis.verdict.scope !== 'owner')) continue;
      const { verdict } = analysis;
      const perUser = verdict.scope === 'owner' && verdict.reasons.every((r) => r.kind === 'owner' && r.user === true);
      out.push({ policy, partition: partitionOfClause(analysis.expr, surface).partition, perUser });
      break;
    }
  }
  return out;
}

/**
 * The partition values both allow, when the keying policy names them: a bucket is shown to hold
 * per-tenant objects only by a policy that names that bucket (or, for channel messages, any kind).
 */
export function sharedPartition(loose: Partition, keyed: Partition, surface: Surface): string[] | null {
  if (keyed === null) return surface.partition === 'bucket_id' ? null : loose === null ? [] : [...loose];
  const both = loose === null ? [...keyed] : [...keyed].filter((v) => loose.has(v));
  return both.length > 0 ? both : null;
}
