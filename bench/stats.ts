/**
 * Summary statistics the benchmark scripts share.
 * @module
 */

/**
 * The median of `xs`: the middle value, or the mean of the two middle values for an even count;
 * `NaN` for none. `xs` is not changed.
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
