/** The comment block that opens a migration: what it does, which findings it fixes, notes. */
import { quoteIdent } from '../../sql/quote.js';
import { fillTemplate } from '../fill-template.js';
import { commentText, display, objectDisplay, wrapComment } from './comment-text.js';
import type { MigrationTemplates } from './render.js';
import type { MigrationPlan } from './types.js';

export function renderHeader(plan: MigrationPlan, templates: MigrationTemplates): string {
  const findings = plan.findings.length
    ? plan.findings.map((f) => `--   ${f.rule}  ${commentText(objectDisplay(f.object))}  ${f.fingerprint}`).join('\n')
    : '--   (none: tables selected with --table)';
  const summary = wrapComment(commentText(summaryText(plan)), '-- ', '-- ');
  let header = fillTemplate(templates['header']!, {
    tables: commentText(plan.tables.map(display).join(', ')),
    summary,
    findings,
  }, 'header.sql');
  if (plan.notes.length > 0) {
    const notes = plan.notes.map((n) => wrapComment(commentText(n), '--   - ', '--     ')).join('\n');
    header += fillTemplate(templates['notes']!, { notes }, 'notes.sql');
  }
  const added = plan.steps.filter((s) => s.kind === 'add-tenant-column');
  if (added.length > 0) {
    header += fillTemplate(templates['locking']!, { tables: commentText(added.map((s) => display(s.table)).join(', ')) }, 'locking.sql');
  }
  return header.replace(/\n+$/, '');
}

/** What the policies do, in the header: pinned to the context setting, or to the app's own tenant predicate. */
function summaryText(plan: MigrationPlan): string {
  const borrowed = plan.steps.find((s) => s.kind === 'tenant-policy' && s.predicate.borrowed !== null);
  const base = `For each table: ENABLE and FORCE ROW LEVEL SECURITY (owners bypass RLS unless it is forced), and policies TO ${plan.appRole} that`;
  if (borrowed && borrowed.kind === 'tenant-policy' && borrowed.predicate.borrowed) {
    const { from, sql } = borrowed.predicate.borrowed;
    return (
      `${base} admit only rows of the caller's tenants, with the tenant predicate of your policy ${quoteIdent(from.policy)} on ${display(from)}: ${sql}. ` +
      `None of your policies reads ${plan.contextSetting}: your app identifies its tenant this way instead.`
    );
  }
  return (
    `${base} pin ${plan.tenantColumn} to current_setting('${plan.contextSetting}'), typed like the column and fail-closed when the setting ` +
    `is unset or '' (the app sets it with set_config(..., true) inside each transaction).`
  );
}

