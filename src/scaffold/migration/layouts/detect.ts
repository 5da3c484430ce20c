/** Which layout a project keeps its migrations in, when --layout is not given. */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { DRIZZLE_CONFIG_FILES } from '../../../db/migrations/find-folder.js';
import type { LayoutName } from './types.js';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The project's drizzle.config.* in `cwd`, or null. */
export async function findDrizzleConfig(cwd: string): Promise<string | null> {
  for (const name of DRIZZLE_CONFIG_FILES) if (await exists(path.join(cwd, name))) return path.join(cwd, name);
  return null;
}

export async function detectLayout(cwd: string, out: string | null): Promise<{ layout: LayoutName; reason: string }> {
  if (out !== null) {
    const folder = path.resolve(cwd, out);
    if (path.basename(folder) === 'migrations' && path.basename(path.dirname(folder)) === 'supabase') {
      return { layout: 'supabase', reason: `--out ${out}` };
    }
    return { layout: 'plain', reason: `--out ${out}` };
  }
  const drizzleConfig = await findDrizzleConfig(cwd);
  if (drizzleConfig) return { layout: 'drizzle', reason: path.basename(drizzleConfig) };
  if ((await exists(path.join(cwd, 'supabase', 'config.toml'))) || (await exists(path.join(cwd, 'supabase', 'migrations')))) {
    return { layout: 'supabase', reason: 'supabase/' };
  }
  return { layout: 'plain', reason: 'no drizzle.config.* or supabase/ found' };
}
