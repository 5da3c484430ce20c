/**
 * Runs the CLI in-process with captured output: `main(argv, io)` is the same
 * function bin/tenantguard.js calls, minus process start-up.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Default: a fresh empty directory, so no config or .env file is picked up by accident. */
  cwd?: string;
  /** Default: empty — the test's own environment (DATABASE_URL…) must not leak in. */
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  /** Default: as isTTY. */
  stdinIsTTY?: boolean;
}

export async function emptyDir(prefix = 'tenantguard-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A directory with the given files (paths relative to it). */
export async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await emptyDir();
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd ?? (await emptyDir()),
    isTTY: options.isTTY ?? false,
    stdinIsTTY: options.stdinIsTTY ?? options.isTTY ?? false,
  });
  return { code, stdout, stderr };
}

/**
 * The contract for every known failure: one `tenantguard: …` line and one
 * `hint: …` line ending stderr, nothing on stdout, exit 2, no stack trace.
 * Only the `Auditing <source>` line may come before them (it is printed as
 * soon as the source is open, so it says which database failed the audit).
 */
export function expectUsageFailure(run: CliRun, message: RegExp): void {
  const lines = run.stderr.trimEnd().split('\n');
  if (lines.length === 3 && lines[0]!.startsWith('Auditing ')) lines.shift();
  if (run.code !== 2 || lines.length !== 2 || !lines[0]!.startsWith('tenantguard: ') || !lines[1]!.startsWith('hint: ')) {
    throw new Error(`expected one error line and one hint line, exit 2; got exit ${run.code}:\n${run.stderr}`);
  }
  if (!message.test(lines[0]!)) throw new Error(`error line ${JSON.stringify(lines[0])} does not match ${message}`);
  if (/\n\s+at /.test(run.stderr) || /this is a bug/.test(run.stderr)) throw new Error(`stack trace printed:\n${run.stderr}`);
  if (run.stdout !== '') throw new Error(`unexpected stdout:\n${run.stdout}`);
}
