/**
 * The embedded engine was stopped from outside: a statement outlived the
 * statement timeout (PGlite runs on one thread with no timer signals, so
 * Postgres' own statement_timeout never fires there), or the engine's thread
 * died. Kept apart from embedded.ts so that code recognising these errors
 * does not load the engine.
 */
export class EngineTimeoutError extends Error {
  /** Postgres' SQLSTATE for a cancelled statement, so the usual mapping applies (query-errors.ts). */
  readonly code = '57014';

  constructor(readonly timeoutMs: number) {
    // Postgres' own wording for statement_timeout.
    super('canceling statement due to statement timeout');
    this.name = 'EngineTimeoutError';
  }
}

/** The engine's thread failed or exited while a statement ran (e.g. WebAssembly out of memory). */
export class EngineFailedError extends Error {
  constructor(reason: string) {
    super(`the embedded engine stopped: ${reason}`);
    this.name = 'EngineFailedError';
  }
}
