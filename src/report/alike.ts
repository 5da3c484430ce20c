import type { Finding } from '../check/types.js';
import { displayName } from '../sql/quote.js';

/** A finding, and the findings that say the same thing about other tables. */
export interface AlikeFindings {
  finding: Finding;
  alsoOn: Finding[];
}

const tableOf = (f: Finding) => (f.object.kind === 'table' ? f.object.name : f.object.table);

/**
 * What a finding says with its own table's name taken out: two findings whose
 * texts are then equal report the same problem on different tables (one
 * policy copied onto every table by a schema helper, RLS never enabled on
 * several tables).
 */
function shape(f: Finding): string | null {
  const table = tableOf(f);
  if (table === undefined || f.object.schema === null) return null;
  const name = displayName(f.object.schema, table);
  const strip = (text: string) => text.split(name).join('\u0000');
  const related = (f.related ?? []).map((r) => `${r.rule}\u0001${strip(r.impact ?? r.message)}`);
  // Alike only within one database: the same hole in two databases is listed in each.
  return JSON.stringify([f.source ?? null, f.rule, f.severity, f.object.kind, f.object.kind === 'table' ? '' : f.object.name, strip(f.message), f.fix ? strip(f.fix.title) : null, related]);
}

/**
 * Groups findings that say the same thing about different tables under the
 * first of them, keeping the order of first appearance. Fingerprints and the
 * findings themselves are untouched: this only decides what pretty output
 * prints once.
 */
export function groupAlike(findings: readonly Finding[]): AlikeFindings[] {
  const byShape = new Map<string, AlikeFindings>();
  const out: AlikeFindings[] = [];
  for (const finding of findings) {
    const key = shape(finding);
    const first = key === null ? undefined : byShape.get(key);
    if (first) {
      first.alsoOn.push(finding);
      continue;
    }
    const entry = { finding, alsoOn: [] };
    if (key !== null) byShape.set(key, entry);
    out.push(entry);
  }
  return out;
}
