import type { DiffResult } from '../index.js';

/** The whole result, info changes included (docs/diff.md describes the shape). */
export function renderDiffJson(result: DiffResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
