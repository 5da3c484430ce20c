/**
 * `supabase/migrations/<UTC yyyymmddhhmmss>_<name>.sql`. The Supabase CLI runs
 * each migration file in its own transaction, so the file has no BEGIN/COMMIT
 * (a COMMIT inside would end the CLI's transaction early).
 */
import path from 'node:path';
import { renderSqlFile } from '../render.js';
import { writeFiles } from '../../write-files.js';
import { utcStamp, type LayoutRequest, type LayoutResult } from './types.js';

export async function writeSupabase(request: LayoutRequest): Promise<LayoutResult> {
  const folder = path.resolve(request.cwd, request.out ?? 'supabase/migrations');
  const file = path.join(folder, `${utcStamp(request.now)}_${request.name}.sql`);
  const contents = renderSqlFile(request.rendered, request.templates, { transaction: false });
  const written = await writeFiles([{ path: file, contents }], {
    cwd: request.cwd,
    dryRun: request.dryRun,
    force: request.force,
    stdout: request.stdout,
    stderr: request.stderr,
  });
  return { written, nextCommand: 'supabase migration up (local database) or supabase db push (linked project)' };
}
