/**
 * `tenantguard diff` in each migrations layout it reads: the example apps
 * under fixtures/apps, committed to a temporary repository, with one new
 * migration in the layout's own form that lets every role read every
 * organization's projects. The plain layout is covered by diff.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DiffResult } from '../../src/diff/index.js';
import { runCli } from '../support/cli.js';
import { repository } from './support.js';

const POLICY = 'CREATE POLICY projects_public ON projects FOR SELECT USING (true);\n';

const appDir = (name: string) => fileURLToPath(new URL(`../../fixtures/apps/${name}/`, import.meta.url));

/** The new migration, as each layout keeps it. */
const LAYOUTS: { app: string; file: string; extra?: (dir: string) => Promise<Record<string, string>> }[] = [
  {
    app: 'drizzle',
    file: 'drizzle/0003_projects_public.sql',
    async extra(dir) {
      const journal = JSON.parse(await readFile(join(dir, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: object[] };
      journal.entries.push({ idx: 3, version: '7', when: 1795823000000, tag: '0003_projects_public', breakpoints: true });
      return { 'drizzle/meta/_journal.json': JSON.stringify(journal, null, 2) };
    },
  },
  { app: 'supabase', file: 'supabase/migrations/20240601000000_projects_public.sql' },
  { app: 'prisma', file: 'prisma/migrations/20240601000000_projects_public/migration.sql' },
];

describe.each(LAYOUTS)('tenantguard diff in the $app layout', ({ app, file, extra }) => {
  it('pins the widening on the new migration file', async () => {
    const repo = await repository({}, appDir(app));
    try {
      await repo.change({ [file]: POLICY, ...(extra ? await extra(repo.dir) : {}) });
      const run = await runCli(['diff', '--format', 'json', '--no-probe'], { cwd: repo.dir });
      // Only the statements the embedded engine lacks an extension for (Supabase's pg_net), listed once.
      expect(run.stderr.split('\n').filter((l) => l.startsWith('warning:')).length).toBeLessThanOrEqual(1);
      expect(run.stderr).not.toMatch(/^tenantguard:/m);
      expect(run.code).toBe(1);
      const { changes } = JSON.parse(run.stdout) as DiffResult;
      const widened = changes.filter((c) => c.class === 'widened');
      expect(widened.length).toBeGreaterThan(0);
      for (const change of widened) {
        expect(change).toMatchObject({ object: { name: 'projects' }, commands: ['SELECT'], after: { rows: 'any' }, location: { file, line: 1 } });
      }
      // Nothing but the new policy changed.
      expect(changes.filter((c) => c.class !== 'widened')).toEqual([]);
    } finally {
      await repo.remove();
    }
  });
});
