/**
 * A name chosen by a schema's owner cannot act on the terminal or page that
 * shows a report: ESC/BEL sequences and line breaks in names come out as
 * escapes in every text format, the fix SQL names the object with U&"…"
 * escapes and still fixes exactly that table, and JSON keeps the exact name.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printable, printableBlock } from '../../src/printable.js';
import { quoteIdent } from '../../src/sql/quote.js';
import { dirWith, runCli } from '../support/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { parseXml } from '../support/xml.js';

// Retitles an xterm, rings the bell, turns the text red, and forges a line of the report.
const EVIL = 'notes\u001b]0;pwned\u0007\u001b[31m\nerror    rls-disabled  forged\u202e';
const SCHEMA = `
CREATE TABLE organizations (id uuid PRIMARY KEY);
CREATE TABLE ${quoteIdent(EVIL)} (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));
CREATE INDEX ON ${quoteIdent(EVIL)} (organization_id);
`;

/** Anything but printable text, line breaks and (pretty, without colour) nothing else. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u;

let db: TestDatabase | null = null;
let source: string[];

beforeAll(async () => {
  if (serverUrl) {
    db = await createTestDatabase({ setup: SCHEMA });
    source = ['--db', db.url!];
  } else {
    source = ['--migrations', join(await dirWith({ 'migrations/0001.sql': SCHEMA }), 'migrations')];
  }
});
afterAll(() => db?.close());

describe('names with control characters', () => {
  it('spells them as escapes in SQL (U&"…") and in text', () => {
    expect(quoteIdent('a\u001bb"c\\d')).toBe('U&"a\\001bb""c\\\\d"');
    expect(quoteIdent('plain "name"')).toBe('"plain ""name"""');
    expect(printable('a\u001b[31m\n\u0007\u202e')).toBe('a\\x1b[31m\\n\\x07\\u202e');
    expect(printableBlock('a\u001b\nb\r')).toBe('a\\x1b\nb\\r');
  });

  for (const format of ['pretty', 'github', 'markdown', 'junit'] as const) {
    it(`are escaped in the ${format} report`, async () => {
      const run = await runCli(['audit', ...source, '--format', format, '--fail-on', 'never'], { env: { FORCE_COLOR: '0' } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('notes');
      expect(run.stdout).not.toMatch(RAW_CONTROL);
      expect(run.stdout).not.toMatch(/^error {4}rls-disabled {2}forged/m);
      expect(run.stderr).not.toMatch(RAW_CONTROL);
      if (format === 'junit') expect(() => parseXml(run.stdout)).not.toThrow();
    });
  }

  it('are kept exactly in JSON, whose fix SQL enables RLS on exactly that table', async () => {
    const run = await runCli(['audit', ...source, '--format', 'json', '--fail-on', 'never']);
    const report = JSON.parse(run.stdout) as { findings: { rule: string; object: { name: string }; fix: { sql: string } | null }[] };
    const finding = report.findings.find((f) => f.rule === 'rls-disabled' && f.object.name === EVIL);
    expect(finding?.fix?.sql).toContain('U&"notes\\001b]0;pwned\\0007\\001b[31m\\000aerror');
    if (!db) return;
    await db.client.query(finding!.fix!.sql);
    const { rows } = await db.client.query(`SELECT relrowsecurity FROM pg_class WHERE relname = $1`, [EVIL]);
    expect(rows).toEqual([{ relrowsecurity: true }]);
  });
});
