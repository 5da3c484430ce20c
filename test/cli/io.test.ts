import { describe, expect, it } from 'vitest';
import { colorEnabled, type Io } from '../../src/cli/io.js';

const io = (isTTY: boolean, env: Record<string, string> = {}): Io => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  env,
  cwd: '/',
  isTTY,
});

describe('colour', () => {
  it('on a terminal only', () => {
    expect(colorEnabled(io(true))).toBe(true);
    expect(colorEnabled(io(false))).toBe(false);
  });

  it('never with NO_COLOR (any non-empty value) or TERM=dumb', () => {
    expect(colorEnabled(io(true, { NO_COLOR: '1' }))).toBe(false);
    expect(colorEnabled(io(true, { NO_COLOR: '' }))).toBe(true);
    expect(colorEnabled(io(true, { TERM: 'dumb' }))).toBe(false);
  });

  it('FORCE_COLOR forces it either way', () => {
    expect(colorEnabled(io(false, { FORCE_COLOR: '1' }))).toBe(true);
    expect(colorEnabled(io(true, { FORCE_COLOR: '0' }))).toBe(false);
    expect(colorEnabled(io(false, { FORCE_COLOR: '1', NO_COLOR: '1' }))).toBe(true);
  });
});
