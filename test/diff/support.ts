/**
 * Temporary git repositories for `tenantguard diff`: the base state is
 * committed on `main`, the change is left in the working tree of a feature
 * branch, as in a pull request being checked.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { emptyDir } from '../support/cli.js';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
}

export interface Repository {
  dir: string;
  /** The base commit, abbreviated as reports show it. */
  baseCommit: string;
  /** Files changed in the working tree (the pull request). */
  change(files: Record<string, string>): Promise<void>;
  /** Back to the committed base (working tree and untracked files). */
  reset(): void;
  remove(): Promise<void>;
}

/** A repository whose `main` holds `files` (and `copyFrom`, a fixture app, first), checked out on a feature branch. */
export async function repository(files: Record<string, string>, copyFrom?: string): Promise<Repository> {
  const dir = await emptyDir('tenantguard-diff-');
  if (copyFrom) await cp(copyFrom, dir, { recursive: true });
  await writeFiles(dir, files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'feature');
  const baseCommit = git(dir, 'rev-parse', '--short=7', 'HEAD').trim();
  return {
    dir,
    baseCommit,
    change: (changed) => writeFiles(dir, changed),
    reset() {
      git(dir, 'checkout', '-q', '--', '.');
      git(dir, 'clean', '-q', '-fd');
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
