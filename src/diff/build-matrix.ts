/**
 * Builds the access matrix from an audited schema (pure): the effective access
 * the audit computes per tenant table × role × command (tenancy/effective.ts),
 * reduced to which rows each cell reaches and why, plus TRUNCATE, views and
 * SECURITY DEFINER functions (surfaces.ts).
 */
import type { Source } from '../db/types.js';
import type { RuleContext } from '../rules/types.js';
import { describeReason, describeTerm } from '../tenancy/describe-policy.js';
import type { EffectiveAccess, EffectivePredicate, PolicyTerm } from '../tenancy/effective.js';
import { rolesHolding } from '../tenancy/readers.js';
import { packageVersion } from '../version.js';
import { PUBLIC, rlsBypass } from '../tenancy/roles.js';
import { byRoleThenCommand, MATRIX_FORMAT_VERSION, type AccessCell, type AccessMatrix, type PolicyRef, type RoleEntry, type TableEntry } from './matrix.js';
import { exemptionText, reachOf } from './reach.js';
import { functionEntries, viewEntries } from './surfaces.js';

function policyRef(term: PolicyTerm, loose: boolean): PolicyRef {
  return {
    name: term.policy.name,
    permissive: term.policy.permissive,
    clause: term.clause,
    fallback: term.fallback,
    text: term.analysis?.text ?? null,
    loose,
  };
}

/** Why a predicate is as loose as it is; for one that admits nothing, why. */
function predicateReasons(predicate: EffectivePredicate, tenantColumn: string): string[] {
  const scope = predicate.verdict.scope;
  if (scope === 'tenant') return [];
  if (scope === 'deny') {
    return [predicate.permissive.length === 0 ? 'no permissive policy applies' : 'its permissive policies admit no row'];
  }
  return predicate.culprits.map((term) => {
    const why = term.verdict.reasons.map((r) => describeReason(r, tenantColumn));
    return why.length > 0 ? `${describeTerm(term)}: ${why.join('; ')}` : describeTerm(term);
  });
}

function byNameThenClause(a: PolicyRef, b: PolicyRef): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.clause < b.clause ? -1 : a.clause > b.clause ? 1 : 0;
}

function tableCell(access: EffectiveAccess, tenantColumn: string): AccessCell {
  const { role, command, exemption } = access;
  if (exemption !== null) {
    return {
      role,
      command,
      via: exemption,
      rows: command === 'INSERT' ? null : 'any',
      check: command === 'INSERT' || command === 'UPDATE' ? 'any' : null,
      policies: [],
      reasons: [exemptionText(exemption, role, access.table.owner)],
    };
  }
  const sides = [access.read, access.check].filter((p): p is EffectivePredicate => p !== null);
  const culprits = new Set(sides.flatMap((p) => p.culprits));
  const refs = sides.flatMap((p) => [...p.permissive, ...p.restrictive]).map((t) => policyRef(t, culprits.has(t)));
  const unique = new Map(refs.map((ref) => [JSON.stringify(ref), ref]));
  const reasons = sides.flatMap((p) => predicateReasons(p, tenantColumn));
  return {
    role,
    command,
    via: 'policies',
    rows: access.read ? reachOf(access.read.verdict.scope) : null,
    check: access.check ? reachOf(access.check.verdict.scope) : null,
    policies: [...unique.values()].sort(byNameThenClause),
    reasons: [...new Set(reasons)],
  };
}

function tableEntries(context: RuleContext): TableEntry[] {
  const { tenancy, policies } = context;
  return tenancy.tenantTables
    .filter(({ table }) => table.kind !== 'foreign-table')
    .map(({ table }) => {
      const cells = policies.accessesOf(table).map((access) => tableCell(access, tenancy.tenantColumn));
      // TRUNCATE empties the table for every tenant: row level security never applies to it.
      for (const role of rolesHolding(tenancy, table.grants, table.owner, 'TRUNCATE')) {
        cells.push({ role, command: 'TRUNCATE', via: 'truncate', rows: 'any', check: null, policies: [], reasons: ['TRUNCATE is not subject to row level security'] });
      }
      return {
        schema: table.schema,
        name: table.name,
        owner: table.owner,
        rls: table.rlsEnabled,
        force: table.rlsForced,
        cells: cells.sort(byRoleThenCommand),
      };
    });
}

/** The roles of the cells that reach an exemption from every policy through SET ROLE (their own attributes show in their cells). */
function roleEntries(context: RuleContext, cells: readonly AccessCell[]): RoleEntry[] {
  const names = [...new Set(cells.map((c) => c.role))].filter((r) => r !== PUBLIC).sort();
  return names.flatMap((name) => {
    const bypass = rlsBypass(context.tenancy.roles, name);
    return bypass && bypass.via !== name ? [{ name, via: bypass.via, attribute: bypass.attribute }] : [];
  });
}

/** The matrix of an audited schema. */
export function buildAccessMatrix(context: RuleContext, source: Source): AccessMatrix {
  const tables = tableEntries(context);
  const views = viewEntries(context);
  const functions = functionEntries(context);
  const cells = [...tables, ...views, ...functions].flatMap((e) => e.cells);
  return {
    tool: 'tenantguard',
    document: 'access-matrix',
    formatVersion: MATRIX_FORMAT_VERSION,
    version: packageVersion(),
    source,
    tenantColumn: context.tenancy.tenantColumn,
    appRole: context.tenancy.appRole,
    tables,
    views,
    functions,
    roles: roleEntries(context, cells),
  };
}
