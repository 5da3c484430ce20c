/**
 * Reads a migrations folder as it is at a git revision — with `git ls-tree`
 * and `git cat-file`, never checking anything out, so the working tree and
 * the index stay as they are — into a temporary folder the caller removes.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { TenantguardError, UsageError } from '../errors.js';

export interface GitRevision {
  /** What the user asked for, or how the default was found: `main`, `merge base of HEAD and origin/main`. */
  label: string;
  commit: string;
}

// Never prompt for credentials, never take optional locks (a concurrent `git status` must not be disturbed).
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-c', 'core.quotepath=off', ...args], { cwd, env: { ...process.env, ...GIT_ENV }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const detail = missing ? 'git is not installed or not on PATH' : (stderr.trim().split('\n')[0] || error.message);
      reject(Object.assign(new Error(detail), { missingGit: missing }));
    });
  });
}

async function gitOrNull(cwd: string, args: readonly string[]): Promise<string | null> {
  try {
    return (await git(cwd, args)).trim();
  } catch (error) {
    if ((error as { missingGit?: boolean }).missingGit) throw new TenantguardError('git is not installed or not on PATH', 'install git, or compare against --base-db URL or --base-snapshot FILE');
    return null;
  }
}

/** The top of the work tree holding `cwd`. */
export async function repositoryRoot(cwd: string): Promise<string> {
  const top = await gitOrNull(cwd, ['rev-parse', '--show-toplevel']);
  if (!top) {
    throw new UsageError(`${cwd} is not inside a git repository`, 'run tenantguard diff in the repository, or compare against --base-db URL or --base-snapshot FILE');
  }
  return realpath(top);
}

async function commitOf(cwd: string, ref: string): Promise<string | null> {
  return gitOrNull(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
}

/** The default branch: the pull request's base on GitHub Actions, origin's HEAD, then main or master. */
async function defaultBranch(cwd: string, env: Record<string, string | undefined>): Promise<string | null> {
  const candidates: string[] = [];
  if (env.GITHUB_BASE_REF) candidates.push(`origin/${env.GITHUB_BASE_REF}`, env.GITHUB_BASE_REF);
  const originHead = await gitOrNull(cwd, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (originHead) candidates.push(originHead);
  candidates.push('origin/main', 'origin/master', 'main', 'master');
  for (const candidate of candidates) if (await commitOf(cwd, candidate)) return candidate;
  return null;
}

/** `--base REF`, or the merge base of HEAD with the default branch. */
export async function resolveRevision(cwd: string, ref: string | undefined, env: Record<string, string | undefined>): Promise<GitRevision> {
  if (ref !== undefined) {
    if (ref.trim() === '') throw new UsageError('--base needs a git revision', 'e.g. --base main, --base origin/main or --base HEAD~1');
    const commit = await commitOf(cwd, ref);
    if (!commit) throw new UsageError(`"${ref}" is not a git revision in this repository`, 'name a branch, tag or commit (in CI, fetch it first: actions/checkout with fetch-depth: 0)');
    return { label: ref, commit };
  }
  const branch = await defaultBranch(cwd, env);
  if (!branch) {
    throw new UsageError('cannot find the default branch to compare with', 'pass --base <git revision> (in CI, fetch the base branch: actions/checkout with fetch-depth: 0)');
  }
  const commit = await gitOrNull(cwd, ['merge-base', 'HEAD', branch]);
  if (!commit) throw new UsageError(`HEAD and ${branch} have no common ancestor`, 'pass --base <git revision>, or fetch the full history (fetch-depth: 0)');
  return { label: `merge base of HEAD and ${branch}`, commit };
}

interface TreeEntry {
  object: string;
  path: string;
}

/** Regular files (not symlinks or submodules) under `path` at `commit`, paths relative to the repository root. */
async function filesAt(root: string, commit: string, path: string): Promise<TreeEntry[]> {
  const out = await git(root, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', path]).catch((error: Error) => {
    throw new TenantguardError(`cannot list ${path} at ${commit.slice(0, 12)}: ${error.message}`);
  });
  return out
    .split('\0')
    .filter((line) => line !== '')
    .flatMap((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, object] = line.slice(0, tab).split(' ');
      return type === 'blob' && (mode === '100644' || mode === '100755') ? [{ object: object!, path: line.slice(tab + 1) }] : [];
    });
}

/** The contents of blobs, in one `git cat-file --batch`. */
function readBlobs(root: string, objects: readonly string[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: root, env: { ...process.env, ...GIT_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new TenantguardError(`git cat-file failed: ${stderr.trim().split('\n')[0] ?? code}`));
      const all = Buffer.concat(chunks);
      const blobs: Buffer[] = [];
      let at = 0;
      for (const _ of objects) {
        const eol = all.indexOf(0x0a, at);
        const size = Number(all.subarray(at, eol).toString().split(' ')[2]);
        blobs.push(all.subarray(eol + 1, eol + 1 + size));
        at = eol + 1 + size + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(objects.map((o) => `${o}\n`).join(''));
  });
}

export interface CheckedOutFolder {
  /** The temporary stand-in for the repository root. */
  root: string;
  /** Number of files written. */
  files: number;
  remove(): Promise<void>;
}

/**
 * Writes `folder` (relative to the repository root) as it is at `commit` into
 * a new temporary directory, at the same relative path. Zero files when the
 * folder does not exist at that revision.
 */
export async function folderAtRevision(root: string, commit: string, folder: string): Promise<CheckedOutFolder> {
  const entries = await filesAt(root, commit, folder.split(sep).join('/'));
  const blobs = entries.length > 0 ? await readBlobs(root, entries.map((e) => e.object)) : [];
  const temp = await mkdtemp(join(tmpdir(), 'tenantguard-base-'));
  const remove = () => rm(temp, { recursive: true, force: true });
  try {
    for (const [i, entry] of entries.entries()) {
      const target = join(temp, ...entry.path.split('/'));
      if (relative(temp, target).startsWith('..')) continue;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, blobs[i]!);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { root: temp, files: entries.length, remove };
}
