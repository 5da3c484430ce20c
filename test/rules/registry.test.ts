import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRule, rules } from '../../src/rules/index.js';
import type { Rule } from '../../src/rules/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOT_RULES = new Set(['index', 'define-rule', 'types']);

/** The public rule ids (docs/architecture contract): users configure and suppress by these. */
const PUBLIC_IDS = [
  'tenant-column-missing', 'rls-disabled', 'with-check-missing', 'root-table-rls-disabled',
  'rls-not-forced', 'rls-enabled-no-policy', 'tenant-column-nullable', 'write-check-not-tenant-scoped', 'read-not-tenant-scoped',
  'policy-always-true', 'policy-bypass-setting', 'context-fail-open', 'policy-to-public', 'policy-null-predicate',
  'role-bypasses-rls', 'view-bypasses-rls', 'materialized-view-exposes-tenant', 'security-definer-function',
  'partition-rls-disabled', 'foreign-table-tenant', 'truncate-granted', 'tenant-context-default',
  'cross-tenant-foreign-key', 'unique-not-tenant-scoped',
  'tenant-column-unindexed', 'policy-casts-tenant-column', 'context-not-wrapped', 'context-cast-fails-on-empty',
  'probe-cross-tenant-read', 'probe-cross-tenant-write',
  'migration-disables-rls', 'offline-table-skipped', 'storage-realtime-open', 'storage-realtime-unscoped',
  'schema-tenant-crossing', 'schema-search-path-crossing', 'schema-tenant-shared-role',
];

const ruleFiles = readdirSync(join(root, 'src', 'rules'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => basename(f, '.ts'))
  .filter((f) => !NOT_RULES.has(f))
  .sort();

const docFiles = readdirSync(join(root, 'docs', 'rules'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => basename(f, '.md'))
  .sort();

/** The severity a rule's page states first on its `**Severity:**` line: the default, before any qualification. */
function statedSeverity(id: string): string | undefined {
  const page = readFileSync(join(root, 'docs', 'rules', `${id}.md`), 'utf8');
  return /^\*\*Severity:\*\*\s+(error|warning|info)\b/m.exec(page)?.[1];
}

describe('rule registry', () => {
  it('registers every rule file exactly once, under the file name', async () => {
    expect(rules.map((r) => r.id).sort()).toEqual(ruleFiles);
    for (const file of ruleFiles) {
      const mod = (await import(pathToFileURL(join(root, 'src', 'rules', `${file}.ts`)).href)) as { default: Rule };
      expect(mod.default.id).toBe(file);
      expect(findRule(file)).toBe(mod.default);
    }
    expect(findRule('no-such-rule')).toBeUndefined();
  });

  it('has a rule for every docs page', () => {
    expect(docFiles).toEqual(ruleFiles);
  });

  it.each(ruleFiles)('%s: public id, docs page, test file, complete metadata', (id) => {
    expect(PUBLIC_IDS).toContain(id);
    expect(existsSync(join(root, 'docs', 'rules', `${id}.md`)), `docs/rules/${id}.md`).toBe(true);
    expect(existsSync(join(root, 'test', 'rules', `${id}.test.ts`)), `test/rules/${id}.test.ts`).toBe(true);
    const rule = findRule(id)!;
    expect(['error', 'warning', 'info']).toContain(rule.defaultSeverity);
    expect(rule.title.length).toBeGreaterThan(0);
    expect(rule.description).toMatch(/\.$/);
    expect(statedSeverity(id), `docs/rules/${id}.md states the default severity first`).toBe(rule.defaultSeverity);
  });

  it('docs/severity.md gives every rule its default severity', () => {
    const page = readFileSync(join(root, 'docs', 'severity.md'), 'utf8');
    const stated = new Map<string, string>();
    for (const [, ids, severity] of page.matchAll(/^\| ((?:`[a-z-]+`(?:, )?)+) \| (error|warning|info) \|/gm)) {
      for (const [, id] of ids!.matchAll(/`([a-z-]+)`/g)) stated.set(id!, severity!);
    }
    expect(Object.fromEntries(stated)).toEqual(Object.fromEntries(rules.map((r) => [r.id, r.defaultSeverity])));
  });
});
