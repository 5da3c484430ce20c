import type { FindingObject, MigrationHistory, SourceLocation, TrackedObject } from '../rules/types.js';
import type { Finding } from './types.js';

const key = (kind: string, schema: string | null, table: string | undefined, name: string) =>
  JSON.stringify([kind, schema, table ?? null, name]);

/**
 * Where a finding about an object belongs in the migration files. A policy
 * points at its last CREATE/ALTER POLICY (ALTER POLICY replaces the
 * expressions a finding is about); every other object at the statement that
 * created it. A part of a table with no statement of its own (an unnamed
 * constraint, a column of a re-created table) points at its table.
 */
function locationOf(tracked: TrackedObject): SourceLocation | null {
  if (tracked.kind === 'policy') return tracked.changes.at(-1)?.location ?? tracked.created;
  return tracked.created ?? tracked.changes.at(-1)?.location ?? null;
}

export function objectLocator(history: MigrationHistory): (object: FindingObject) => SourceLocation | null {
  const index = new Map(history.objects.map((o) => [key(o.kind, o.schema, o.table, o.name), o]));
  const find = (kind: string, schema: string | null, table: string | undefined, name: string) => {
    const tracked = index.get(key(kind, schema, table, name));
    return tracked ? locationOf(tracked) : null;
  };
  return (object) => {
    const own = find(object.kind, object.schema, object.kind === 'table' ? undefined : object.table, object.name);
    if (own || object.table === undefined) return own;
    return find('table', object.schema, undefined, object.table);
  };
}

/** Fills in the migration location of findings that do not carry one. Pure. */
export function locateFindings(findings: readonly Finding[], history: MigrationHistory): Finding[] {
  const locate = objectLocator(history);
  return findings.map((finding) => {
    if (finding.location) return finding;
    const location = locate(finding.object);
    return location ? { ...finding, location } : finding;
  });
}
