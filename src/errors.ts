/**
 * Known failures: a one-line message plus a hint. The CLI prints
 * `tenantguard: <message>` and the hint, and exits with code 2.
 * Nothing below src/cli calls process.exit.
 */
export class TenantguardError extends Error {
  readonly hint: string | undefined;
  readonly exitCode = 2;

  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TenantguardError';
    this.hint = hint;
  }
}

/** Bad flags, arguments or combinations of them. */
export class UsageError extends TenantguardError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'UsageError';
  }
}

/** tenantguard.config.json (or package.json "tenantguard") is invalid. */
export class ConfigError extends TenantguardError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'ConfigError';
  }
}

/** The database could not be reached, authenticated against, or queried. */
export class ConnectionError extends TenantguardError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, hint, options);
    this.name = 'ConnectionError';
  }
}

/** A migration file could not be applied to the embedded engine. */
export class MigrationError extends TenantguardError {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, message: string, hint?: string) {
    super(`${file}:${line}: ${message}`, hint);
    this.name = 'MigrationError';
    this.file = file;
    this.line = line;
  }
}

export function isTenantguardError(error: unknown): error is TenantguardError {
  return error instanceof TenantguardError;
}

/** What a Node system error code means, in words. */
const SYSTEM_ERRORS: Record<string, { says: string; hint: string }> = {
  ENOENT: { says: 'no such file or folder', hint: 'check the path (a symbolic link may point nowhere)' },
  EACCES: { says: 'permission denied', hint: 'check its permissions and those of the folders above it' },
  EPERM: { says: 'operation not permitted', hint: 'check its permissions and those of the folders above it' },
  EISDIR: { says: 'it is a folder, not a file', hint: 'give a file path' },
  ENOTDIR: { says: 'a part of the path is a file, not a folder', hint: 'check the path' },
  ELOOP: { says: 'symbolic links loop', hint: 'fix or remove the symbolic link' },
  EROFS: { says: 'read-only file system', hint: 'choose a writable location' },
  ENOSPC: { says: 'no space left on the device', hint: 'free some space and retry' },
  EDQUOT: { says: 'disk quota exceeded', hint: 'free some space and retry' },
  EMFILE: { says: 'too many open files', hint: 'raise the open-file limit (ulimit -n) and retry' },
  ENFILE: { says: 'too many open files in the system', hint: 'retry when fewer files are open' },
  ENAMETOOLONG: { says: 'file name too long', hint: 'choose a shorter path' },
  EEXIST: { says: 'it already exists', hint: 'choose another path, or remove it' },
  EIO: { says: 'input/output error', hint: 'check the device or the file system' },
  EBUSY: { says: 'resource busy', hint: 'retry when it is no longer in use' },
  ENXIO: { says: 'no such device', hint: 'give a regular file' },
};

/** The action a failed system call was attempting. */
const SYSTEM_CALLS: Record<string, string> = {
  open: 'open',
  read: 'read',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  mkdir: 'create the folder',
  write: 'write',
  rename: 'write',
  link: 'write',
  unlink: 'remove',
  rmdir: 'remove',
};

/**
 * A file-system failure (a Node error with an E* code) as one line, or null
 * when `error` is not one. `action` and `path` say what tenantguard was
 * doing ("read migration", "0002_x.sql"); without them the system call's
 * own are used.
 */
export function systemFailure(error: unknown, context: { action?: string; path?: string } = {}): TenantguardError | null {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !(code in SYSTEM_ERRORS)) return null;
  const known = SYSTEM_ERRORS[code]!;
  const action = context.action ?? SYSTEM_CALLS[syscall ?? ''] ?? 'use';
  const target = context.path ?? path;
  return new TenantguardError(`cannot ${action}${target ? ` ${target}` : ''}: ${known.says} (${code})`, known.hint, { cause: error });
}
