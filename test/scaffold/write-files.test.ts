import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantguardError } from '../../src/errors.js';
import { writeFileAtomic, writeFiles } from '../../src/scaffold/write-files.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantguard-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function listAll(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('writeFiles', () => {
  it('creates directories, writes every file and returns absolute paths', async () => {
    const written = await writeFiles(
      [
        { path: 'migrations/nested/001_a.sql', contents: 'SELECT 1;\n' },
        { path: path.join(dir, 'b.ts'), contents: 'export {};\n' },
      ],
      { cwd: dir },
    );
    expect(written).toEqual([path.join(dir, 'migrations/nested/001_a.sql'), path.join(dir, 'b.ts')]);
    expect(await readFile(path.join(dir, 'migrations/nested/001_a.sql'), 'utf8')).toBe('SELECT 1;\n');
    expect(await listAll(dir)).toEqual(['b.ts', 'migrations/nested/001_a.sql']);
  });

  it('on a dry run prints the contents to stdout, names the file on stderr and writes nothing', async () => {
    let out = '';
    let err = '';
    const written = await writeFiles([{ path: 'm/x.sql', contents: 'SELECT 1;' }], {
      cwd: dir,
      dryRun: true,
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
    });
    expect(written).toEqual([]);
    expect(out).toBe('SELECT 1;\n');
    expect(err).toBe(`would write ${path.join('m', 'x.sql')}\n`);
    expect(await listAll(dir)).toEqual([]);
  });

  it('refuses to overwrite an existing file without force, naming it and hinting --force, and writes nothing of the plan', async () => {
    await writeFile(path.join(dir, 'exists.sql'), 'original');
    const attempt = writeFiles(
      [
        { path: 'first.sql', contents: 'new' },
        { path: 'exists.sql', contents: 'replacement' },
      ],
      { cwd: dir },
    );
    await expect(attempt).rejects.toBeInstanceOf(TenantguardError);
    await expect(attempt).rejects.toMatchObject({ message: 'exists.sql already exists', hint: expect.stringContaining('--force') });
    expect(await readFile(path.join(dir, 'exists.sql'), 'utf8')).toBe('original');
    expect(await listAll(dir)).toEqual(['exists.sql']);
  });

  it('overwrites with force and leaves no temp files behind', async () => {
    await writeFile(path.join(dir, 'exists.sql'), 'original');
    await writeFiles([{ path: 'exists.sql', contents: 'replacement' }], { cwd: dir, force: true });
    expect(await readFile(path.join(dir, 'exists.sql'), 'utf8')).toBe('replacement');
    expect(await listAll(dir)).toEqual(['exists.sql']);
  });

  it('refuses a directory in place of a file even with force', async () => {
    await mkdir(path.join(dir, 'taken'));
    await expect(writeFiles([{ path: 'taken', contents: 'x' }], { cwd: dir, force: true })).rejects.toThrow(
      'taken is a directory, not a file',
    );
  });

  it('refuses a plan that names the same file twice', async () => {
    await expect(
      writeFiles(
        [
          { path: 'a.sql', contents: '1' },
          { path: './a.sql', contents: '2' },
        ],
        { cwd: dir },
      ),
    ).rejects.toBeInstanceOf(TenantguardError);
    expect(await listAll(dir)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('does not clobber a file that exists when overwrite is off', async () => {
    const target = path.join(dir, 'race.sql');
    await writeFile(target, 'someone else');
    await expect(writeFileAtomic(target, 'mine', { overwrite: false, cwd: dir })).rejects.toThrow('race.sql already exists');
    expect(await readFile(target, 'utf8')).toBe('someone else');
    expect(await listAll(dir)).toEqual(['race.sql']);
  });

  it('writes unicode contents byte-exactly', async () => {
    const target = path.join(dir, 'ünïcödé', 'f.sql');
    await writeFileAtomic(target, '-- ünïcödé "Order Items"\n', { overwrite: false });
    expect(await readFile(target, 'utf8')).toBe('-- ünïcödé "Order Items"\n');
  });
});
