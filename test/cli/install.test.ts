/**
 * The package as a user installs it: `npm pack` → a tarball → installed into
 * an empty project, then run through `npx tenantguard` there. Proves the
 * tarball carries everything the CLI reads at run time (dist, templates, the
 * rule docs, the JSON Schema) and nothing it should not (tests, fixtures,
 * caches), with no access to the checkout.
 *
 * The install runs with --offline: the dependencies come from the local npm
 * cache, which `npm ci` filled. npm needs registry metadata to resolve
 * dependency ranges and `npm ci` does not cache it, so the project gets a
 * lockfile made from this repository's (the production dependencies, as
 * locked, plus the tarball itself) — what `npm install -D ./tenantguard-x.y.z.tgz`
 * would write on a machine with network access.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir } from '../support/cli.js';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
  overrides?: Record<string, unknown>;
};
const tarballName = `${pkg.name}-${pkg.version}.tgz`;

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/** The lockfile npm would write for `npm install -D ./<tarball>` in an empty project. */
async function lockfileFor(tarball: string): Promise<object> {
  const repoLock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const integrity = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`;
  const packages: Record<string, object> = {
    '': { name: 'app', version: '1.0.0', devDependencies: { [pkg.name]: `file:${tarballName}` } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: `file:${tarballName}`,
      integrity,
      dev: true,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  // Entries without `dev` are the production dependency tree, hoisted as in this repository.
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path !== '' && !entry.dev) packages[path] = { ...entry, dev: true };
  }
  return { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/** This package's overrides as an installing project writes them ("$name" references resolved to versions). */
function projectOverrides(): { overrides?: Record<string, unknown> } {
  if (!pkg.overrides) return {};
  const resolve = (value: unknown): unknown =>
    typeof value === 'string' && value.startsWith('$')
      ? pkg.dependencies[value.slice(1)]
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]))
        : value;
  return { overrides: resolve(pkg.overrides) as Record<string, unknown> };
}

const npm = (args: string[], cwd: string) => execa('npm', args, { cwd, reject: false, env: { npm_config_update_notifier: 'false' } });

describe('the npm package', () => {
  let packDir: string;
  let project: string;
  const tenantguard = (args: string[]) =>
    execa('npx', ['--no-install', 'tenantguard', ...args], {
      cwd: project,
      reject: false,
      // No database from the environment, no colours, no snapshot cache written outside the project.
      env: { NO_COLOR: '1', TENANTGUARD_CACHE_DIR: 'off', DATABASE_URL: '', TENANTGUARD_DATABASE_URL: '', npm_config_update_notifier: 'false' },
    });

  beforeAll(async () => {
    packDir = await emptyDir('tenantguard-pack-');
    project = await emptyDir('tenantguard-installed-');
    // dist/ is fresh (the global setup built it): skip `prepare`, which would rebuild it.
    const pack = await npm(['pack', '--ignore-scripts', '--pack-destination', packDir], root);
    expect(pack.exitCode, pack.stderr).toBe(0);
    const tarball = join(packDir, tarballName);
    await cp(tarball, join(project, tarballName));
    await writeFile(
      join(project, 'package.json'),
      // The project repeats this package's overrides: npm applies overrides only from the root project, and
      // @electric-sql/pglite-pgvector asks for an older @electric-sql/pglite than the one tenantguard runs.
      JSON.stringify(
        { name: 'app', version: '1.0.0', private: true, devDependencies: { [pkg.name]: `file:${tarballName}` }, ...projectOverrides() },
        null,
        2,
      ),
    );
    await writeFile(join(project, 'package-lock.json'), JSON.stringify(await lockfileFor(tarball), null, 2));
    const install = await npm(['install', '--offline', '--no-audit', '--no-fund'], project);
    expect(install.exitCode, `npm install --offline failed (run npm ci first, so the npm cache holds the dependencies):\n${install.stderr}`).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await rm(packDir, { recursive: true, force: true });
    await rm(project, { recursive: true, force: true });
  });

  it('ships dist, the templates, the rule docs and the config schema, and no tests, fixtures, caches or source maps', async () => {
    const dryRun = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root);
    expect(dryRun.exitCode, dryRun.stderr).toBe(0);
    const files = (JSON.parse(dryRun.stdout) as [{ files: { path: string }[] }])[0].files.map((file) => file.path);
    const { rules } = await import('../../src/rules/index.js');
    for (const needed of [
      'bin/tenantguard.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'schema/tenantguard.config.schema.json',
      'templates/helper/with-rls.ts',
      'templates/tenant-isolation/setup.ts',
      'src/isolation/verdicts.ts',
      'docs/ci.md',
      'docs/postgres-rls.md',
      'README.md',
      'package.json',
      ...rules.map((rule) => `docs/rules/${rule.id}.md`),
    ]) {
      expect(files, needed).toContain(needed);
    }
    const unwanted = files.filter((path) =>
      /^(test|fixtures|bench|\.ci|node_modules|coverage)\//.test(path) || /\.(map|tsbuildinfo|log)$/.test(path) || /(^|\/)\.tenantguard-tmp/.test(path) ||
      (path.startsWith('src/') && path !== 'src/isolation/verdicts.ts'),
    );
    expect(unwanted).toEqual([]);
  });

  it('runs from the installed tarball: --version, rules, explain', async () => {
    const version = await tenantguard(['--version']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toBe(pkg.version);

    const list = await tenantguard(['rules']);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^rls-disabled\s+error\s+/m);

    const explain = await tenantguard(['explain', 'rls-not-forced']);
    expect(explain.exitCode, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/^# rls-not-forced\n/);
    expect(explain.stdout).toContain('FORCE ROW LEVEL SECURITY');
  });

  it('audits a migrations folder offline on the embedded engine, from the installed package alone', async () => {
    await cp(join(root, 'fixtures', 'example-app', 'drizzle'), join(project, 'db', 'drizzle'), { recursive: true });
    await writeFile(join(project, 'tenantguard.config.json'), JSON.stringify({ appRole: 'app_user', globalTables: ['plans'] }));
    const audit = await tenantguard(['audit', '--migrations', 'db/drizzle']);
    // The example app has errors: exit 1, the report on stdout.
    expect(audit.exitCode, audit.stderr).toBe(1);
    expect(audit.stderr).toContain('Auditing migrations db/drizzle (drizzle, 2 files) applied to the embedded PostgreSQL');
    expect(audit.stdout).toMatch(/^  error {4}role-bypasses-rls$/m);
    // Each finding links the installed copy of its rule's page.
    const links = [...audit.stdout.matchAll(/^\s+docs: (\S+)$/gm)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(link).toMatch(/^node_modules\/tenantguard\/docs\/rules\/[a-z-]+\.md$/);
      expect(existsSync(join(project, link)), link).toBe(true);
    }
  }, 120_000);

  it('init writes a $schema that resolves to the installed JSON Schema, also from a workspace package', async () => {
    const shipped = await readFile(join(root, 'schema', 'tenantguard.config.schema.json'), 'utf8');
    const workspace = join(project, 'packages', 'api');
    await mkdir(workspace, { recursive: true });
    for (const [cwd, expected] of [
      [project, './node_modules/tenantguard/schema/tenantguard.config.schema.json'],
      [workspace, '../../node_modules/tenantguard/schema/tenantguard.config.schema.json'],
    ] as const) {
      await rm(join(cwd, 'tenantguard.config.json'), { force: true });
      const init = await execa('npx', ['--no-install', 'tenantguard', 'init', '--yes'], {
        cwd,
        reject: false,
        env: { NO_COLOR: '1', TENANTGUARD_CACHE_DIR: 'off', DATABASE_URL: '', TENANTGUARD_DATABASE_URL: '' },
      });
      expect(init.exitCode, init.stderr).toBe(0);
      const { $schema } = JSON.parse(await readFile(join(cwd, 'tenantguard.config.json'), 'utf8')) as { $schema: string };
      expect($schema).toBe(expected);
      expect(await readFile(join(cwd, $schema), 'utf8')).toBe(shipped);
    }
  }, 120_000);
});
