import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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

/** The project's migrations folder when none was named: drizzle.config's `out`, then conventional folders. */
export async function findMigrationsFolder(cwd: string, layouts: readonly MigrationLayout[] = MIGRATION_LAYOUTS): Promise<FolderSearch> {
  const candidates: FoundFolder[] = [];
  for (const name of DRIZZLE_CONFIG_FILES) {
    const text = await readFile(join(cwd, name), 'utf8').catch(() => null);
    if (text === null) continue;
    const out = drizzleOutFromConfig(text);
    if (out !== null) candidates.push({ folder: resolve(cwd, out), reason: `${name} (out)` });
    break;
  }
  for (const name of CONVENTIONAL_FOLDERS) candidates.push({ folder: resolve(cwd, name), reason: name });

  const unreadable: string[] = [];
  for (const candidate of candidates) {
    if (!(await isFolder(candidate.folder))) continue;
    if (await readableByALayout(candidate.folder, layouts)) return { found: candidate, unreadable };
    unreadable.push(candidate.reason);
  }
  return { found: null, unreadable };
}
