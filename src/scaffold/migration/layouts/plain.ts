/**
 * `<out>/<UTC yyyymmddhhmmss>_<name>.sql` (default out: migrations/), wrapped
 * in BEGIN/COMMIT for runners that apply the file as it is (psql -f). When the
 * folder is a drizzle-kit folder (it has meta/_journal.json), the file is
 * written the way drizzle's migrator reads it — statement breakpoints, no
 * BEGIN/COMMIT (the migrator runs every migration in one transaction) — and
 * the journal gains its entry; no snapshot is written.
 */
import path from 'node:path';
import { renderDrizzleFile, renderSqlFile } from '../render.js';
import { writeFileAtomic, writeFiles, displayPath } from '../../write-files.js';
import { appendEntry, journalPath, readJournal, serializeJournal } from './drizzle-journal.js';
import { utcStamp, type LayoutRequest, type LayoutResult } from './types.js';

export async function writePlain(request: LayoutRequest): Promise<LayoutResult> {
  const folder = path.resolve(request.cwd, request.out ?? 'migrations');
  const tag = `${utcStamp(request.now)}_${request.name}`;
  const file = path.join(folder, `${tag}.sql`);
  const journal = await readJournal(folder, request.cwd);
  const contents = journal
    ? renderDrizzleFile(request.rendered)
    : renderSqlFile(request.rendered, request.templates, { transaction: true });
  const options = { cwd: request.cwd, dryRun: request.dryRun, force: request.force, stdout: request.stdout, stderr: request.stderr };
  const written = await writeFiles([{ path: file, contents }], options);
  if (journal) {
    if (request.dryRun) {
      request.stderr(`would add "${tag}" to ${displayPath(journalPath(folder), request.cwd)}\n`);
    } else {
      // The journal is meant to grow: updating it is not overwriting a user's file.
      await writeFileAtomic(journalPath(folder), serializeJournal(appendEntry(journal, tag, request.now)), { overwrite: true });
      written.push(journalPath(folder));
    }
  }
  const shown = displayPath(file, request.cwd);
  return {
    written,
    nextCommand: journal ? 'npx drizzle-kit migrate' : `psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f ${shellQuote(shown)}`,
  };
}

export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
