import type { RelatedFinding } from '../check/types.js';
import { qualifiedObjectName } from '../sql/object-name.js';

/** `read-not-tenant-scoped on public.projects: app_user can SELECT rows of any organization in public.projects` */
export function consequenceLine(related: RelatedFinding): string {
  return `${related.rule} on ${qualifiedObjectName(related.object)}: ${related.impact ?? related.message}`;
}

/** The plain-text block the text formats (SARIF message, annotations, JUnit) append under a root cause. */
export function consequencesText(related: readonly RelatedFinding[]): string {
  return ['Because of this:', ...related.map((r) => `- ${consequenceLine(r)}`)].join('\n');
}
