/** Where a command reads its environment from and writes its output to; tests pass their own. */
export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** stdout is a terminal: colours and progress are allowed. */
  isTTY: boolean;
  /** stdin is a terminal too, so a person can answer questions; absent: as `isTTY`. */
  stdinIsTTY?: boolean;
}

/** What a command's action needs besides its options. */
export interface CommandContext {
  io: Io;
  /** The process exit code the command decided on (0 unless set). */
  setExitCode(code: number): void;
}

/**
 * Colours only on a terminal, and never when NO_COLOR is set (no-color.org);
 * FORCE_COLOR (other than 0) forces them, as chalk and Node itself honour it.
 */
export function colorEnabled(io: Io): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.isTTY && io.env.TERM !== 'dumb';
}
