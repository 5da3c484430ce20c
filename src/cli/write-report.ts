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
