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
