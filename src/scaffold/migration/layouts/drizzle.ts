/**
 * The drizzle layout: drizzle-kit itself creates the migration
 * (`drizzle-kit generate --custom`), with the project's own config, so the
 * journal and the snapshot stay drizzle-kit's; tenantguard then fills the
 * empty file it created. drizzle-kit never emits FORCE ROW LEVEL SECURITY,
 * which is why this is a custom migration.
 */
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TenantguardError } from '../../../errors.js';
import { displayPath, writeFileAtomic } from '../../write-files.js';
import { renderDrizzleFile } from '../render.js';
import { readJournal } from './drizzle-journal.js';
import { findDrizzleConfig } from './detect.js';
import type { LayoutRequest, LayoutResult } from './types.js';

/** What drizzle-kit puts in the file `generate --custom` creates. */
const CUSTOM_PLACEHOLDER = '-- Custom SQL migration file, put your code below! --';

/** drizzle-kit's CLI as installed in the user's project (not tenantguard's own copy). */
export function resolveDrizzleKit(cwd: string): string | null {
  try {
    const require = createRequire(path.join(cwd, 'package.json'));
    // Its "exports" do not include package.json: resolve the entry, then find the package root.
    let dir = path.dirname(require.resolve('drizzle-kit'));
    for (let depth = 0; depth < 5; depth++, dir = path.dirname(dir)) {
      const manifest = readManifest(path.join(dir, 'package.json'));
      if (manifest?.name !== 'drizzle-kit') continue;
      const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.['drizzle-kit'];
      return bin ? path.join(dir, bin) : null;
    }
    return null;
  } catch {
    return null;
  }
}

function readManifest(file: string): { name?: string; bin?: string | Record<string, string> } | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; bin?: string | Record<string, string> };
  } catch {
    return null;
  }
}

/** drizzle-kit's CLI, or the one-line error that says how to do without it. */
export function assertDrizzleKit(cwd: string): string {
  const kit = resolveDrizzleKit(cwd);
  if (!kit) {
    throw new TenantguardError(
      `drizzle-kit is not installed in ${cwd}, so it cannot create the migration and its snapshot`,
      `install it (npm install -D drizzle-kit), or re-run with --layout plain --out <drizzle out folder> to write the SQL file and its journal entry only (no snapshot); --dry-run needs no drizzle-kit`,
    );
  }
  return kit;
}

export async function writeDrizzle(request: LayoutRequest): Promise<LayoutResult> {
  const { cwd, name } = request;
  const config = await findDrizzleConfig(cwd);
  if (!config) {
    throw new TenantguardError(`no drizzle.config.* in ${cwd}`, 'run tenantguard from the folder that holds drizzle.config.ts, or use --layout plain --out DIR');
  }
  const contents = renderDrizzleFile(request.rendered);
  const command = `drizzle-kit generate --custom --name ${name} --config ${path.basename(config)}`;
  // A dry run only prints: it needs no drizzle-kit.
  if (request.dryRun) {
    request.stderr(`would run ${command} and fill the file it creates with:\n`);
    request.stdout(contents);
    return { written: [], nextCommand: 'npx drizzle-kit migrate' };
  }
  const kit = assertDrizzleKit(cwd);

  const { execa } = await import('execa');
  const run = await execa(process.execPath, [kit, 'generate', '--custom', `--name=${name}`, `--config=${config}`], {
    cwd,
    env: { ...request.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: 120_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.exitCode !== 0 || run.failed) {
    throw new TenantguardError(
      `${command} failed: ${lastLine(output) ?? `exit code ${run.exitCode}`}`,
      `run npx ${command} yourself to see its full output`,
    );
  }
  const created = /➜\s+(\S+\.sql)/.exec(output)?.[1];
  const file = created ? path.resolve(cwd, created) : null;
  const text = file ? await readFile(file, 'utf8').catch(() => null) : null;
  if (!file || text === null || text.trim() !== CUSTOM_PLACEHOLDER) {
    throw new TenantguardError(
      `${command} did not create the empty custom migration tenantguard expected`,
      `write the migration with --layout plain --out <drizzle out folder> instead (drizzle-kit said: ${lastLine(output) ?? 'nothing'})`,
    );
  }
  await writeFileAtomic(file, contents, { overwrite: true, cwd });
  const folder = path.dirname(file);
  await warnAboutUnrelatedSnapshotChanges(request, folder, path.basename(file, '.sql'));
  const journal = path.join(folder, 'meta', '_journal.json');
  const snapshot = path.join(folder, 'meta', `${path.basename(file, '.sql').split('_')[0]}_snapshot.json`);
  const written = [file, journal, ...((await readFile(snapshot).then(() => true, () => false)) ? [snapshot] : [])];
  return { written, nextCommand: 'npx drizzle-kit migrate' };
}

function lastLine(text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? null;
}

/**
 * `generate --custom` snapshots the schema as it is now. If the schema had
 * changes not yet generated, they are now recorded as applied although no SQL
 * makes them: say which tables, unless they are the ones this migration fixes
 * (the user pasted the --drizzle-schema code first).
 */
async function warnAboutUnrelatedSnapshotChanges(request: LayoutRequest, folder: string, tag: string): Promise<void> {
  const journal = await readJournal(folder, request.cwd);
  const entries = journal?.entries ?? [];
  const index = entries.findIndex((e) => e.tag === tag);
  if (index < 1) return;
  const snapshot = async (entryTag: string) => {
    const prefix = entryTag.split('_')[0]!;
    const files = await readdir(path.join(folder, 'meta')).catch(() => [] as string[]);
    const name = files.find((f) => f === `${prefix}_snapshot.json`);
    if (!name) return null;
    return JSON.parse(await readFile(path.join(folder, 'meta', name), 'utf8')) as { tables?: Record<string, unknown> };
  };
  const [before, after] = await Promise.all([snapshot(entries[index - 1]!.tag), snapshot(tag)]);
  if (!before?.tables || !after?.tables) return;
  const planned = new Set(request.plan.tables.map((t) => `${t.schema}.${t.name}`));
  const keys = [...new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])].sort();
  const changed = keys.filter(
    (k) => !planned.has(k) && JSON.stringify(before.tables![k] ?? null) !== JSON.stringify(after.tables![k] ?? null),
  );
  if (changed.length > 0) {
    request.stderr(
      `warning: your Drizzle schema had changes to ${changed.join(', ')} that were not generated yet; ` +
        `drizzle-kit recorded them in ${displayPath(path.join(folder, 'meta'), request.cwd)} as part of ${tag} without SQL. ` +
        `Move them into a migration of their own (npx drizzle-kit generate) before applying.\n`,
    );
  }
}
