/**
 * Rule documentation links: under a configured `docsBaseUrl`, else under the
 * installed package's docs folder (the CLI's default), in every text format;
 * and the config key that sets the base.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { docsUrlFor, installedDocsBaseUrl } from '../../src/report/docs-url.js';
import { formats, loadReporter } from '../../src/report/index.js';
import { rules } from '../../src/rules/index.js';
import { dirWith, runCli } from '../support/cli.js';
import { packageVersion } from '../../src/version.js';
import { sampleResult } from './sample-results.js';

describe('rule documentation links', () => {
  it('sit under the base URL, with {version} replaced, with or without a trailing slash', () => {
    expect(docsUrlFor('1.2.3', 'https://docs.example.com/tg/{version}/rules')('rls-disabled')).toBe('https://docs.example.com/tg/1.2.3/rules/rls-disabled.md');
    expect(docsUrlFor('1.2.3', 'file:///opt/tg/docs/rules/')('rls-disabled')).toBe('file:///opt/tg/docs/rules/rls-disabled.md');
  });

  it('default to the installed package, where every rule has its page', () => {
    const docs = docsUrlFor('0.1.0', installedDocsBaseUrl());
    for (const rule of rules) expect(existsSync(fileURLToPath(docs(rule.id))), rule.id).toBe(true);
  });

  it('every format but JSON links each finding under the given base', async () => {
    const base = 'https://docs.example.com/tenantguard/';
    for (const format of formats.filter((f) => f !== 'json')) {
      const text = (await loadReporter(format))(sampleResult, { docsBaseUrl: base, color: false });
      expect(text, format).toContain(`${base}rls-disabled.md`);
      expect(text, format).not.toContain('unpkg.com');
    }
  });

  it('docsBaseUrl is a config key (and TENANTGUARD_DOCS_BASE_URL), which must be an absolute URL', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': '{ "docsBaseUrl": "https://docs.example.com/{version}/" }' });
    expect((await loadConfig({ cwd, env: {} })).config.docsBaseUrl).toBe('https://docs.example.com/{version}/');
    expect((await loadConfig({ cwd, env: { TENANTGUARD_DOCS_BASE_URL: 'https://other.example/' } })).config.docsBaseUrl).toBe('https://other.example/');
    const bad = await dirWith({ 'tenantguard.config.json': '{ "docsBaseUrl": "docs/rules" }' });
    await expect(loadConfig({ cwd: bad, env: {} })).rejects.toThrow(/tenantguard\.config\.json:1: docsBaseUrl: expected an absolute URL/);
  });
});

describe('the CLI', () => {
  const migrations = fileURLToPath(new URL('../../fixtures/example-app/drizzle', import.meta.url));

  it('links the installed docs as file: URLs that exist, outside the package folder', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': '{ "appRole": "app_user" }' });
    const run = await runCli(['audit', '--migrations', migrations, '--format', 'sarif', '--fail-on', 'never'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const helpUris = (JSON.parse(run.stdout).runs[0].tool.driver.rules as { helpUri: string }[]).map((rule) => rule.helpUri);
    expect(helpUris.length).toBeGreaterThan(0);
    for (const uri of helpUris) {
      expect(uri).toMatch(/^file:\/\//);
      expect(existsSync(fileURLToPath(uri)), uri).toBe(true);
    }
  });

  it('links under the configured docsBaseUrl instead', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': '{ "appRole": "app_user", "docsBaseUrl": "https://docs.example.com/tg@{version}/rules/" }' });
    const run = await runCli(['audit', '--migrations', migrations, '--fail-on', 'never'], { cwd });
    expect(run.stdout).toContain(`docs: https://docs.example.com/tg@${packageVersion()}/rules/role-bypasses-rls.md`);
  });
});
