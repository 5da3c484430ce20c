import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { dirWith, emptyDir, expectUsageFailure, runCli } from '../support/cli.js';

const prismaApp = fileURLToPath(new URL('../../fixtures/apps/prisma/', import.meta.url));
const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

describe('tenantguard init', () => {
  it('reads the settings from the migrations and writes a config that loads, without prompting off a terminal', async () => {
    const cwd = await emptyDir();
    await cp(join(prismaApp, 'prisma'), join(cwd, 'prisma'), { recursive: true });
    const run = await runCli(['init'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('found app role app_user');
    const written = JSON.parse(await readFile(join(cwd, 'tenantguard.config.json'), 'utf8'));
    expect(written).toMatchObject({
      $schema: './node_modules/tenantguard/schema/tenantguard.config.schema.json',
      tenantColumn: 'organization_id',
      tenantTable: 'organizations',
      contextSetting: 'app.current_org_id',
      appRole: 'app_user',
      schemas: ['public'],
    });
    const { config } = await loadConfig({ cwd, env: {} });
    expect(config.appRole).toBe('app_user');
  });

  it.skipIf(!serverUrl)('reads a live database given with --db', async () => {
    const db = await createTestDatabase({
      setup: `CREATE ROLE web LOGIN;
        CREATE TABLE accounts (id bigint PRIMARY KEY);
        CREATE TABLE docs (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts);
        CREATE TABLE notes (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts);
        ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY t ON docs TO web USING (account_id = NULLIF(current_setting('rls.account', true), '')::bigint);
        GRANT SELECT ON docs, notes TO web;`,
    });
    opened.push(db);
    const cwd = await emptyDir();
    const run = await runCli(['init', '--db', db.url!], { cwd });
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(join(cwd, 'tenantguard.config.json'), 'utf8'))).toMatchObject({
      tenantColumn: 'account_id',
      tenantTable: 'accounts',
      contextSetting: 'rls.account',
      appRole: db.role('web'),
    });
  });

  it('uses the defaults when there is nothing to read', async () => {
    const cwd = await emptyDir();
    const run = await runCli(['init', '--yes'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('using the defaults');
    expect(JSON.parse(await readFile(join(cwd, 'tenantguard.config.json'), 'utf8'))).toEqual({
      $schema: './node_modules/tenantguard/schema/tenantguard.config.schema.json',
      tenantColumn: 'organization_id',
      contextSetting: 'app.current_org_id',
      globalTables: [],
      rules: {},
      ignore: [],
    });
  });

  it('never replaces an existing config without --force', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': '{"appRole":"mine"}\n' });
    expectUsageFailure(await runCli(['init'], { cwd }), /^tenantguard: tenantguard\.config\.json already exists$/);
    expect(await readFile(join(cwd, 'tenantguard.config.json'), 'utf8')).toBe('{"appRole":"mine"}\n');
    expect((await runCli(['init', '--force'], { cwd })).code).toBe(0);
    expect(await readFile(join(cwd, 'tenantguard.config.json'), 'utf8')).toContain('"tenantColumn": "organization_id"');
  });
});

describe('tenantguard explain', () => {
  it('prints the rule documentation', async () => {
    const run = await runCli(['explain', 'migration-disables-rls']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await readFile(new URL('../../docs/rules/migration-disables-rls.md', import.meta.url), 'utf8'));
  });

  it('suggests the closest rule for a typo', async () => {
    expectUsageFailure(await runCli(['explain', 'rls-disable']), /^tenantguard: unknown rule "rls-disable" \(did you mean rls-disabled\?\)$/);
  });
});

it('init output is valid JSON even for names that need escaping', async () => {
  const { renderConfig } = await import('../../src/cli/commands/init.js');
  const text = renderConfig({ tenantColumn: 'org "id"', tenantTable: null, contextSetting: 'app.x', appRole: 'a\\b', schemas: ['ü'], notes: [] });
  expect(JSON.parse(text)).toMatchObject({ tenantColumn: 'org "id"', appRole: 'a\\b', schemas: ['ü'] });
});
