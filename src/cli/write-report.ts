import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { systemFailure, TenantguardError } from '../errors.js';
import type { Io } from './io.js';

/** `--output FILE`: writes the report, returns the path as shown to the user. */
export async function writeReport(io: Io, file: string, text: string): Promise<string> {
  const path = resolve(io.cwd, file);
  try {
    await writeFile(path, text);
  } catch (error) {
    throw systemFailure(error, { action: 'write the report to', path: file }) ??
      new TenantguardError(`cannot write the report to ${file}: ${(error as Error).message}`, 'check that the folder exists and is writable');
  }
  return relative(io.cwd, path) || path;
}

/**
 * The report on stdout, or in `--output FILE`; then, when `announce` names
 * what was written ("Report", "Access matrix"), a line on stderr says where.
 */
export async function outputReport(io: Io, text: string, output: string | undefined, announce: string | null): Promise<void> {
  if (!output) {
    io.stdout.write(text);
    return;
  }
  const written = await writeReport(io, output, text);
  if (announce) io.stderr.write(`${announce} written to ${written}\n`);
}
