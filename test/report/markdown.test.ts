import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderMarkdown } from '../../src/report/markdown.js';
import type { AuditResult } from '../../src/check/types.js';
import { cleanResult, hostileResult, collapsedResult, sampleResult } from './sample-results.js';

describe('renderMarkdown', () => {
  it('matches the snapshot', async () => {
    await expect(renderMarkdown(sampleResult)).toMatchFileSnapshot('__snapshots__/sample.md');
  });

  it('has a summary table row per finding and a collapsible section per rule', () => {
    const text = renderMarkdown(sampleResult);
    const rows = text.split('\n').filter((l) => /^\| (🔴|🟠|🔵) /.test(l));
    expect(rows).toHaveLength(sampleResult.findings.length);
    for (const row of rows) expect(row.split(' | ')).toHaveLength(4);
    expect(text.match(/<details>/g)).toHaveLength(4);
    expect(text.match(/<\/details>/g)).toHaveLength(4);
    expect(text).toContain('```sql\n  ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;');
  });

  it('counts the consequences of a root cause in its row and lists them in its details', () => {
    const text = renderMarkdown(collapsedResult);
    const row = text.split('\n').find((l) => l.startsWith('| 🔴'))!;
    expect(row).toMatch(/<i>\(and 2 consequences\)<\/i> \|$/);
    expect(text).toContain('  Because of this:\n\n  - read-not-tenant-scoped on public.projects: app\\_user can SELECT');
  });

  it('says so when there is nothing to report', () => {
    expect(renderMarkdown(cleanResult)).toContain('No tenant-isolation findings.');
  });

  it('keeps hostile names from breaking the table or injecting HTML', () => {
    const text = renderMarkdown(hostileResult);
    // Fenced code renders literally; everywhere else no raw tag may appear.
    const outsideCode = text.replace(/^ *(`{3,})sql\n[\s\S]*?\n *\1$/gm, '');
    expect(outsideCode).toContain('&lt;script&gt;');
    expect(outsideCode).not.toContain('<script>');
    const rows = text.split('\n').filter((l) => l.startsWith('| 🔴'));
    expect(rows).toHaveLength(hostileResult.findings.length);
    // An unescaped | would add cells; a raw newline would end the row early.
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length).toBe(6);
    // Fences are longer than the backtick runs in the SQL.
    expect(text).toContain('````sql');
  });

  it('escapes inline Markdown and HTML', () => {
    expect(escapeMarkdown('a|b <i>*x*</i> `c` $m$\nnext')).toBe('a&#124;b &lt;i&gt;\\*x\\*&lt;/i&gt; \\`c\\` \\$m\\$ next');
  });

  it('stays within the size of a pull-request comment', () => {
    const many: AuditResult = {
      ...sampleResult,
      findings: Array.from({ length: 2000 }, (_, i) => ({ ...sampleResult.findings[i % 4]!, fingerprint: String(i), rule: `rule-${i % 40}` })),
    };
    const text = renderMarkdown(many);
    expect(text.length).toBeLessThan(65_536);
    expect(text).toContain('…and 1975 more below.');
    expect(text).toContain('left out to fit a comment');
  });
});
