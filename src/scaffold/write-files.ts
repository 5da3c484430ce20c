/**
 * Safe writing for every scaffold: a scaffold first plans its files as plain
 * data, then hands them here. Nothing is written on a dry run, nothing that
 * exists is replaced without `force`, and every file appears atomically (a
 * temp file in the same directory, then a link or rename), so an interrupted
 * run never leaves a half-written migration behind for a runner to apply.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { systemFailure, TenantguardError } from '../errors.js';

export interface PlannedFile {
  /** Absolute, or relative to `cwd`. */
  path: string;
  contents: string;
}

export interface WriteFilesOptions {
  /** Base for relative paths; defaults to process.cwd(). */
  cwd?: string;
  /** Print the files instead of writing them. */
  dryRun?: boolean;
  /** Replace files that already exist. */
  force?: boolean;
  /** Where a dry run prints each file's contents (stdout: pipeable). */
  stdout?: (text: string) => void;
  /** Where a dry run names the file it would have written (stderr). */
  stderr?: (text: string) => void;
}

/** Writes `files` and returns their absolute paths (an empty list on a dry run). */
export async function writeFiles(files: readonly PlannedFile[], options: WriteFilesOptions = {}): Promise<string[]> {
  const cwd = options.cwd ?? process.cwd();
  const resolved = files.map((file) => ({ path: path.resolve(cwd, file.path), contents: file.contents }));
  assertDistinct(resolved.map((file) => file.path), cwd);

  if (options.dryRun) {
    for (const file of resolved) {
      options.stderr?.(`would write ${displayPath(file.path, cwd)}\n`);
      options.stdout?.(file.contents.endsWith('\n') ? file.contents : `${file.contents}\n`);
    }
    return [];
  }

  // Check every target before writing any, so a refused plan writes nothing.
  for (const file of resolved) await asWriteFailure(file.path, cwd, () => assertWritable(file.path, cwd, options.force === true));

  // Stage every file (folders, then a complete temp file beside each target)
  // before publishing any: a folder that cannot be created or a full disk
  // leaves nothing behind.
  const staged: Staged[] = [];
  const written: string[] = [];
  try {
    for (const file of resolved) staged.push(await asWriteFailure(file.path, cwd, () => stage(file.path, file.contents)));
    for (const file of staged) {
      await asWriteFailure(file.target, cwd, () => publish(file, options.force === true, cwd));
      written.push(file.target);
    }
  } finally {
    for (const file of staged) await fs.rm(file.temp, { force: true });
    if (written.length === 0) await removeCreatedFolders(staged);
  }
  return written;
}

/** A file written under a temporary name beside its target, and the first folder created for it. */
interface Staged {
  target: string;
  temp: string;
  createdFolder: string | undefined;
}

async function stage(target: string, contents: string): Promise<Staged> {
  const dir = path.dirname(target);
  const createdFolder = await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await fs.rm(temp, { force: true });
    if (createdFolder) await fs.rm(createdFolder, { recursive: true, force: true });
    throw error;
  }
  return { target, temp, createdFolder };
}

/** Without `overwrite`, the final step is a hard link, which fails if the name appeared in the meantime instead of replacing it. */
async function publish(file: Staged, overwrite: boolean, cwd: string): Promise<void> {
  if (overwrite) await fs.rename(file.temp, file.target);
  else await linkWithoutClobbering(file.temp, file.target, cwd);
}

/** Folders this run created, when it ends up writing nothing (they hold only removed temp files). */
async function removeCreatedFolders(staged: readonly Staged[]): Promise<void> {
  for (const { createdFolder } of [...staged].reverse()) {
    if (createdFolder) await fs.rm(createdFolder, { recursive: true, force: true }).catch(() => {});
  }
}

/** A file-system failure while writing `target`, as one line naming it. */
async function asWriteFailure<T>(target: string, cwd: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw systemFailure(error, { action: 'write', path: displayPath(target, cwd) }) ?? error;
  }
}

/**
 * Writes one file atomically: readers see either no file (or the old one) or
 * the complete new contents.
 */
export async function writeFileAtomic(
  target: string,
  contents: string,
  options: { overwrite: boolean; cwd?: string },
): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  await asWriteFailure(target, cwd, async () => {
    const file = await stage(target, contents);
    try {
      await publish(file, options.overwrite, cwd);
    } finally {
      await fs.rm(file.temp, { force: true });
    }
  });
}

async function linkWithoutClobbering(temp: string, target: string, cwd: string): Promise<void> {
  try {
    await fs.link(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw existsError(target, cwd);
    // Filesystems without hard links: fall back to check-then-rename.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
      await assertWritable(target, cwd, false);
      await fs.rename(temp, target);
      return;
    }
    throw error;
  }
}

async function assertWritable(target: string, cwd: string, force: boolean): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (stat.isDirectory()) {
    throw new TenantguardError(
      `${displayPath(target, cwd)} is a directory, not a file`,
      'choose another output path with --out',
    );
  }
  if (!force) throw existsError(target, cwd);
}

function existsError(target: string, cwd: string): TenantguardError {
  return new TenantguardError(
    `${displayPath(target, cwd)} already exists`,
    're-run with --force to overwrite it, or choose another name with --name/--out',
  );
}

function assertDistinct(paths: readonly string[], cwd: string): void {
  const seen = new Set<string>();
  for (const p of paths) {
    if (seen.has(p)) throw new TenantguardError(`the scaffold planned ${displayPath(p, cwd)} twice`, 'this is a bug in tenantguard');
    seen.add(p);
  }
}

/** A path as users should see it: relative to the working directory when inside it. */
export function displayPath(target: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, target);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : target;
}
