/**
 * Natural order of file names: runs of digits compare by numeric value
 * (then fewer leading zeros first), everything else by UTF-16 code unit, so
 * the order does not depend on the machine's locale.
 */
export function compareNatural(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    if (bothDigits) {
      const byValue = compareDigits(x.replace(/^0+/, ''), y.replace(/^0+/, ''));
      if (byValue !== 0) return byValue;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare two digit strings without leading zeros by numeric value, at any length. */
function compareDigits(x: string, y: string): number {
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
