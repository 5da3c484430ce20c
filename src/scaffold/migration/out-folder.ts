/** `--out` names a folder: checked before anything is audited or asked, so a typo costs one line. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';

export async function assertOutFolder(cwd: string, out: string): Promise<void> {
  const target = path.resolve(cwd, out);
  // The nearest part of the path that exists must be a folder: a file there, or a file above it, cannot hold the migration.
  for (let current = target; ; current = path.dirname(current)) {
    const found = await stat(current).catch(() => null);
    if (found) {
      if (found.isDirectory()) return;
      const relative = path.relative(cwd, current);
      const shown = relative && !relative.startsWith('..') ? relative : current;
      const where = current === target ? `${out} is a file` : `${out} is inside ${shown}, which is a file`;
      throw new UsageError(`--out takes a folder, and ${where}`, 'pass the folder the migration goes in (the file name is generated: <timestamp>_<name>.sql)');
    }
    if (path.dirname(current) === current) return;
  }
}
