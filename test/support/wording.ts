/**
 * Messages should read as written by a careful person: no word twice in a
 * row ("app_user, app_user can write", "the the"), and no "today" twice in
 * one message. SQL quoted in a message may repeat a name on purpose
 * (`organization_id = organization_id`), so parenthesised and quoted text is
 * left out of the check.
 */
import type { Finding } from '../../src/check/types.js';

/** The prose of a message: balanced (…) groups and '…' / "…" quotes removed. */
function prose(text: string): string {
  let out = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ' ');
  let previous = '';
  while (previous !== out) {
    previous = out;
    out = out.replace(/\([^()]*\)/g, ' ');
  }
  return out;
}

/** The wording faults in one text: doubled words, and repeated fillers. */
export function wordingFaults(text: string): string[] {
  const faults: string[] = [];
  const plain = prose(text);
  for (const match of plain.matchAll(/(?<![\w.])([A-Za-z_][\w]*)(?:[\s,;:]+)\1(?![\w.])/gi)) faults.push(`"${match[0]}"`);
  if ((plain.match(/\btoday\b/gi) ?? []).length > 1) faults.push('"today" twice');
  return faults;
}

/** Every text a finding shows a reader: message, short form, fix title, and the same for what it folds in. */
export function findingTexts(findings: readonly Finding[]): string[] {
  return findings.flatMap((f) => [
    f.message,
    ...(f.impact ? [f.impact] : []),
    ...(f.fix ? [f.fix.title] : []),
    ...(f.related ?? []).flatMap((r) => [r.message, ...(r.impact ? [r.impact] : [])]),
  ]);
}

/** `rule: fault in "message"` for each fault; empty when every text reads well. */
export function wordingReport(findings: readonly Finding[]): string[] {
  return findings.flatMap((f) => findingTexts([f]).flatMap((text) => wordingFaults(text).map((fault) => `${f.rule}: ${fault} in ${JSON.stringify(text)}`)));
}
