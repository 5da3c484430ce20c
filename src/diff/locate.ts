/**
 * Pins each change on the migration statement that made it: among the
 * statements the head adds to the base (new files, and statements new to an
 * edited file), the last one that acts on the change's cause — the policies
 * that differ, else the object itself, else the role, else (for a verdict
 * that moved without any statement on the table) a function the policies
 * may call. With no base files (a database or snapshot base), every head
 * statement is a candidate.
 */
import type { MigrationFile } from '../db/types.js';
import type { SourceLocation } from '../rules/types.js';
import { loadParser } from '../sql/parser.js';
import type { AccessChange } from './compare.js';
import { touchesOf, touchesPolicy, touchesRelation, type Touches } from './touches.js';

export interface TouchingStatement {
  location: SourceLocation;
  touches: Touches;
}

function statementTexts(files: readonly MigrationFile[]): Map<string, string[]> {
  return new Map(files.map((f) => [f.displayPath, f.statements.map((s) => s.sql.trim())]));
}

/** The head's statements that the base does not have, in apply order, with what each acts on. */
export async function addedStatements(head: readonly MigrationFile[], base: readonly MigrationFile[] | null): Promise<TouchingStatement[]> {
  const parser = await loadParser();
  const before = statementTexts(base ?? []);
  const out: TouchingStatement[] = [];
  for (const file of head) {
    // The base's statements of the same file, as a multiset: an edited file adds only what is new in it.
    const remaining = [...(before.get(file.displayPath) ?? [])];
    for (const statement of file.statements) {
      const at = remaining.indexOf(statement.sql.trim());
      if (at >= 0) {
        remaining.splice(at, 1);
        continue;
      }
      let stmts;
      try {
        stmts = parser.parse(statement.sql).stmts ?? [];
      } catch {
        continue; // the engine applied it, so this is a statement the parser version cannot read: nothing to pin on it
      }
      for (const { stmt } of stmts) {
        if (stmt) out.push({ location: { file: file.displayPath, line: statement.line }, touches: touchesOf(stmt) });
      }
    }
  }
  return out;
}

function lastWhere(statements: readonly TouchingStatement[], test: (t: Touches) => boolean): SourceLocation | null {
  for (let i = statements.length - 1; i >= 0; i--) if (test(statements[i]!.touches)) return statements[i]!.location;
  return null;
}

export function locationOf(change: AccessChange, statements: readonly TouchingStatement[]): SourceLocation | null {
  const { object } = change;
  const isTable = object.kind === 'table';
  const byPolicy = isTable && change.policies.length > 0
    ? lastWhere(statements, (t) => touchesPolicy(t, object.schema!, object.name, change.policies))
    : null;
  const byObject = () => {
    if (object.kind === 'role') return null; // found by role below
    if (object.kind === 'function') return lastWhere(statements, (t) => t.functions.includes(object.name));
    return lastWhere(statements, (t) => touchesRelation(t, object.schema!, object.name));
  };
  const byRole = () => (change.role !== null && change.role !== 'PUBLIC' ? lastWhere(statements, (t) => t.roles.includes(change.role!)) : null);
  const decidedByPolicies = change.before?.via === 'policies' || change.after?.via === 'policies';
  const byHelper = () => (isTable && decidedByPolicies ? lastWhere(statements, (t) => t.functions.length > 0) : null);
  return byPolicy ?? byObject() ?? byRole() ?? byHelper();
}

/** The changes, each with the location of the statement that made it when one is found. */
export function locateChanges(changes: readonly AccessChange[], statements: readonly TouchingStatement[]): AccessChange[] {
  return changes.map((change) => {
    const location = locationOf(change, statements);
    return location ? { ...change, location } : change;
  });
}
