import { describe, expect, it } from 'vitest';
import { splitSql, SqlSyntaxError } from '../../../src/db/migrations/split-sql.js';
import { compareNatural } from '../../../src/db/migrations/natural-order.js';

async function syntaxErrorLine(text: string): Promise<{ line: number; message: string }> {
  try {
    await splitSql(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyntaxError);
    return { line: (error as SqlSyntaxError).line, message: (error as SqlSyntaxError).message };
  }
  throw new Error('expected a syntax error');
}

describe('splitSql', () => {
  it('splits where PostgreSQL does: not inside strings, dollar quotes or nested comments', async () => {
    const text = [
      "/* outer /* nested; */ still comment; */ SELECT 'a;b' AS s;", // 1
      '',
      'CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$', // 3
      'BEGIN',
      "  RETURN 'x;y'; -- ; in a comment",
      'END',
      '$body$;',
      ';;', // empty statements are not statements
      "SELECT E'it\\'s; fine'", // 9, last statement without a semicolon
    ].join('\n');
    const statements = await splitSql(text);
    expect(statements.map((s) => s.line)).toEqual([1, 3, 9]);
    expect(statements[0]!.sql).toBe("SELECT 'a;b' AS s");
    expect(statements[1]!.sql).toMatch(/^CREATE FUNCTION f\(\)[\s\S]*\$body\$$/);
    expect(statements[2]!.sql).toBe("SELECT E'it\\'s; fine'");
  });

  it('counts lines correctly after multibyte and astral characters (byte offsets ≠ string indexes)', async () => {
    const text = [
      "-- données, Ünïcödé, 😀😀😀😀",
      "COMMENT ON SCHEMA public IS 'schéma 😀 principal';",
      '',
      '-- 🙂',
      'SELECT 1;',
      "SELECT '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀'; SELECT 2;",
      'SELECT 3;',
    ].join('\n');
    const statements = await splitSql(text);
    expect(statements.map((s) => [s.line, s.sql])).toEqual([
      [2, "COMMENT ON SCHEMA public IS 'schéma 😀 principal'"],
      [5, 'SELECT 1'],
      [6, "SELECT '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀'"],
      [6, 'SELECT 2'],
      [7, 'SELECT 3'],
    ]);
  });

  it('offsets lines by firstLine and keeps CRLF files right', async () => {
    const statements = await splitSql('\r\n\r\nSELECT 1;\r\nSELECT\r\n  2;', 10);
    expect(statements.map((s) => s.line)).toEqual([12, 13]);
  });

  it('splits a large file piece by piece with the same statements and lines, whatever a cut falls into', async () => {
    // Over 256 KiB, so the text is parsed in pieces; each construct spans many `;` line ends a cut may land on.
    const body = Array.from({ length: 3000 }, (_, i) => `  PERFORM ${i};`).join('\n');
    const blocks = [
      `CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n${body}\nEND\n$$;`,
      `INSERT INTO t VALUES ('${Array.from({ length: 3000 }, (_, i) => `row ${i};`).join('\n')}');`,
      `/* ${Array.from({ length: 3000 }, (_, i) => `note ${i};`).join('\n')} */ SELECT 1;`,
      `CREATE RULE r AS ON INSERT TO t DO ALSO (${Array.from({ length: 2000 }, (_, i) => `NOTIFY c${i};`).join('\n')});`,
    ];
    const filler = Array.from({ length: 1000 }, (_, i) => `INSERT INTO t VALUES (${i});`).join('\n');
    // Mostly blocks, so most cuts (every 256 KiB) land inside one.
    const text = Array.from({ length: 6 }, () => [filler, ...blocks].join('\n')).join('\n') + '\n';
    expect(text.length).toBeGreaterThan(3 * 256 * 1024);

    const statements = await splitSql(text);
    const lines = text.split('\n');
    expect(statements).toHaveLength(6 * (1000 + blocks.length));
    const misplaced = statements.filter((statement) => !lines[statement.line - 1]!.includes(statement.sql.split('\n')[0]!));
    expect(misplaced).toEqual([]);
    expect(statements.map((s) => s.sql.slice(0, 20)).slice(5 * 1004 + 1000, 6 * 1004)).toEqual(['CREATE FUNCTION f() ', "INSERT INTO t VALUES", 'SELECT 1', 'CREATE RULE r AS ON ']);

    // A real error deep in the text is found at its line, not mistaken for a cut.
    const broken = `${text}${filler}\nSELEC 1;\n${filler}\n`;
    expect(await syntaxErrorLine(broken)).toMatchObject({ line: lines.length + 1000, message: expect.stringMatching(/syntax error at or near "SELEC"/) });
  });

  it('reports the line of a syntax error, counting characters not UTF-16 units', async () => {
    expect(await syntaxErrorLine('SELECT 1;\nSELECT 2;\nSELEC 3;')).toEqual({ line: 3, message: 'syntax error at or near "SELEC"' });
    // 8 astral characters on line 1: a UTF-16 reading of the character offset would land on line 1.
    expect((await syntaxErrorLine("SELECT '😀😀😀😀😀😀😀😀';\nSELEC 1;")).line).toBe(2);
    expect((await syntaxErrorLine("SELECT 1;\n\nSELECT 'unterminated")).message).toMatch(/unterminated quoted string/);
  });
});

describe('compareNatural', () => {
  it('orders digit runs by value and is independent of locale', () => {
    const names = ['10_c.sql', '2_b.sql', '1_a.sql', '002_x.sql', 'B.sql', 'a.sql', '20240101000000_init.sql', '9_z.sql'];
    expect([...names].sort(compareNatural)).toEqual([
      '1_a.sql',
      '2_b.sql',
      '002_x.sql',
      '9_z.sql',
      '10_c.sql',
      '20240101000000_init.sql',
      'B.sql',
      'a.sql',
    ]);
  });
});

describe('statements that change the session (no snapshot of the engine after them)', () => {
  it('tells settings, roles, temporary objects and prepared statements from statements that only change the database', async () => {
    const text = `SET search_path = app;
SET LOCAL statement_timeout = 0;
RESET ROLE;
CREATE TEMP TABLE scratch (a int);
CREATE TABLE kept (a int);
SELECT set_config('app.org', '1', false);
CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT set_config('app.org', '1', false) $$;
DO $$ BEGIN ALTER TABLE kept ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES kept (a) ON DELETE set null; EXCEPTION WHEN duplicate_object THEN null; END $$;
DO $$ BEGIN SET search_path = app; END $$;
DO $$ BEGIN EXECUTE 'SET ROLE app_user'; END $$;
DO $$ BEGIN UPDATE kept SET a = 1; END $$;
PREPARE q AS SELECT 1;
CREATE VIEW pg_temp.v AS SELECT 1;
UPDATE kept SET a = 2;`;
    const statements = await splitSql(text);
    expect(statements.map((s) => s.traits?.session)).toEqual([true, false, true, true, false, true, false, false, true, true, false, true, true, false]);
  });
});
