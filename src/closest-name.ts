/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The candidate closest to a mistyped name, for "did you mean"; null when none is close. */
export function closestName(wanted: string, candidates: readonly string[]): string | null {
  const ranked = candidates.map((candidate) => ({ candidate, d: editDistance(wanted, candidate) })).sort((x, y) => x.d - y.d)[0];
  return ranked && ranked.d <= Math.max(3, Math.floor(wanted.length / 3)) ? ranked.candidate : null;
}
