import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { MigrationLayout } from './layout.js';
import { MIGRATION_LAYOUTS } from './layouts.js';

export const DRIZZLE_CONFIG_FILES = [
  'drizzle.config.ts',
  'drizzle.config.mts',
  'drizzle.config.cts',
  'drizzle.config.js',
  'drizzle.config.mjs',
  'drizzle.config.cjs',
  'drizzle.config.json',
] as const;

/** Conventional folders, after drizzle.config's `out`. */
export const CONVENTIONAL_FOLDERS = ['supabase/migrations', 'prisma/migrations', 'migrations', 'drizzle'] as const;

export interface FoundFolder {
  /** Absolute path. */
  folder: string;
  /** Why this folder: 'drizzle.config.ts (out)' or 'supabase/migrations'. */
  reason: string;
}

export interface FolderSearch {
  found: FoundFolder | null;
  /** With no folder in the working directory: the migrations folders found below it, when there are several. */
  several: FoundFolder[];
  /** Candidate folders that exist but hold nothing a known layout reads. */
  unreadable: string[];
}

/**
 * drizzle.config.* `out`, read as text: running the config would execute the
 * project's code (and its imports), which an auditor must not do. No `out`
 * means drizzle-kit's default, ./drizzle; an `out` that is not a string
 * literal (a variable, path.join(...)) gives null: better no guess than a wrong one.
 */
export function drizzleOutFromConfig(text: string): string | null {
  const json = /^\s*\{/.test(text) ? tryJson(text) : undefined;
  if (json !== undefined) return json?.out === undefined ? './drizzle' : typeof json.out === 'string' ? json.out : null;
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const property = /(?:^|[\s{,])["']?out["']?\s*:\s*/.exec(code);
  if (!property) return './drizzle';
  const literal = /^(["'`])([^"'`\n$]+)\1/.exec(code.slice(property.index + property[0].length));
  return literal ? literal[2]! : null;
}

function tryJson(text: string): { out?: unknown } | null | undefined {
  try {
    return JSON.parse(text) as { out?: unknown } | null;
  } catch {
    return undefined;
  }
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

async function readableByALayout(folder: string, layouts: readonly MigrationLayout[]): Promise<boolean> {
  for (const layout of layouts) {
    try {
      const files = await layout.listFiles(folder, (p) => p);
      if (files !== null) return files.length > 0;
    } catch {
      return true; // recognised but broken: discovery reports the problem precisely
    }
  }
  return false;
}

/** Candidates in `dir` itself: its drizzle.config's `out` (relative to the config's folder, as drizzle-kit resolves it), then conventional folders. */
async function candidatesIn(dir: string, shown: (path: string) => string): Promise<FoundFolder[]> {
  const candidates: FoundFolder[] = [];
  for (const name of DRIZZLE_CONFIG_FILES) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => null);
    if (text === null) continue;
    const out = drizzleOutFromConfig(text);
    if (out !== null) candidates.push({ folder: resolve(dir, out), reason: `${shown(join(dir, name))} (out)` });
    break;
  }
  for (const name of CONVENTIONAL_FOLDERS) candidates.push({ folder: resolve(dir, name), reason: shown(join(dir, name)) });
  return candidates;
}

/** Folders never searched: dependencies, build output, caches, version control. */
const SKIPPED_FOLDERS = new Set([
  'node_modules', 'dist', 'build', 'out', 'coverage', 'target', 'vendor', 'tmp', 'temp',
  '.git', '.next', '.nuxt', '.svelte-kit', '.turbo', '.vercel', '.output', '.cache', '.yarn', '.pnpm-store',
]);
/** How deep below the working directory a monorepo keeps its packages (apps/web/db/…). */
const MAX_DEPTH = 4;
/** Folders looked into at most, so a huge tree costs a bounded time. */
const MAX_FOLDERS = 4000;

/** Sub-folders of `cwd` (breadth first, not following links), up to MAX_DEPTH, skipping SKIPPED_FOLDERS and hidden ones. */
async function foldersBelow(cwd: string): Promise<string[]> {
  const found: string[] = [];
  let level = [cwd];
  for (let depth = 1; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
        next.push(join(dir, entry.name));
      }
    }
    next.sort();
    found.push(...next);
    if (found.length >= MAX_FOLDERS) return found.slice(0, MAX_FOLDERS);
    level = next;
  }
  return found;
}

/**
 * The project's migrations folder when none was named: drizzle.config's
 * `out`, then conventional folders, in the working directory; else, in a
 * monorepo, every such folder below it (each package's drizzle.config.*,
 * supabase/, prisma/, migrations/). Several found below: `several` lists
 * them and `found` is null — guessing would audit the wrong app.
 */
export async function findMigrationsFolder(cwd: string, layouts: readonly MigrationLayout[] = MIGRATION_LAYOUTS): Promise<FolderSearch> {
  const shown = (path: string) => relative(cwd, path) || '.';
  const unreadable: string[] = [];
  for (const candidate of await candidatesIn(cwd, shown)) {
    if (!(await isFolder(candidate.folder))) continue;
    if (await readableByALayout(candidate.folder, layouts)) return { found: candidate, unreadable, several: [] };
    unreadable.push(candidate.reason);
  }
  const several: FoundFolder[] = [];
  const seen = new Set<string>();
  for (const dir of await foldersBelow(cwd)) {
    for (const candidate of await candidatesIn(dir, shown)) {
      // a package's drizzle.config `out` and its drizzle/ folder are one candidate; inside a found folder, nothing more
      if (seen.has(candidate.folder) || several.some((c) => candidate.folder.startsWith(c.folder + sep))) continue;
      if (!(await isFolder(candidate.folder)) || !(await readableByALayout(candidate.folder, layouts))) continue;
      seen.add(candidate.folder);
      several.push(candidate);
      break; // one folder per package: the first of its candidates, as in the working directory
    }
  }
  if (several.length === 1) return { found: several[0]!, unreadable, several: [] };
  return { found: null, unreadable, several };
}
