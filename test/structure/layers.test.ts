/**
 * Every import in src/ points down the pipeline: a stage may use the stages
 * below it, never one above (so a type lives where it is produced, and a
 * lower stage never needs a higher one to compile). Type-only and dynamic
 * imports count too: they are the arrows a reader follows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

/**
 * Bottom first. A folder of src/ (or a file at its top) may import only
 * units on a lower line; units on one line do not import each other.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'printable.ts', 'version.ts', 'closest-name.ts'],
  ['sql'],
  ['db'],
  ['catalog'],
  ['config'],
  ['policy'],
  ['tenancy'],
  ['rules'],
  ['check'],
  ['report'],
  ['isolation'],
  ['probe', 'scaffold'],
  ['diff'],
  ['audit.ts'],
  ['audit-many.ts'],
  ['index.ts'],
  ['cli'],
];

const level = new Map(LAYERS.flatMap((units, i) => units.map((unit) => [unit, i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative module a file names: static, type-only, re-exported, `import()` and `import('…').T`. */
export function importedFiles(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) specifiers.push(argument.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** `rules` for src/rules/x.ts, `audit.ts` for src/audit.ts. */
function unitOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

const files = sourceFiles(SRC);

describe('layers', () => {
  it('names every folder and top-level file of src/ once', () => {
    const units = [...new Set(files.map(unitOf))].sort();
    expect(units).toEqual([...level.keys()].sort());
  });

  it('every import points to a lower layer', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = unitOf(file);
      for (const target of importedFiles(file)) {
        const to = unitOf(target);
        if (to !== from && !(level.get(to)! < level.get(from)!)) upward.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('a CLI command imports no other command: shared flags and steps live outside src/cli/commands', () => {
    const commands = join(SRC, 'cli', 'commands');
    const crossing = files
      .filter((file) => dirname(file) === commands)
      .flatMap((file) => importedFiles(file).filter((target) => dirname(target) === commands).map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`));
    expect(crossing).toEqual([]);
  });
});
