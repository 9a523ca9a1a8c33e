/**
 * "Did you mean": the known names closest to what the user wrote, so a near miss (`A10G`,
 * `gpu-training-cluster`, `a100`) is answered with the fix rather than a list to search.
 */

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Known names the input is probably a misspelling of: a case-insensitive match, the names the
 * input is a prefix of (`a100` → a100-40gb, a100-80gb), else the closest names within a third of
 * the input's length (at least 1, at most 3 edits).
 */
export function suggest(input: string, known: readonly string[]): string[] {
  const lower = input.trim().toLowerCase();
  if (lower.length === 0) return [];
  const exact = known.filter((k) => k.toLowerCase() === lower);
  if (exact.length > 0) return exact;
  const extended = known.filter((k) => k.toLowerCase().startsWith(lower) && lower.length >= 2);
  if (extended.length > 0) return extended;
  const limit = Math.min(3, Math.max(1, Math.floor(lower.length / 3)));
  const scored = known.map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) })).filter((s) => s.d <= limit);
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map((s) => s.d));
  return scored.filter((s) => s.d === best).map((s) => s.k);
}

/** `; did you mean "a10g"?` or "" when nothing is close. */
export function didYouMean(input: string, known: readonly string[]): string {
  const hits = suggest(input, known);
  if (hits.length === 0) return "";
  return `; did you mean ${hits.map((h) => JSON.stringify(h)).join(" or ")}?`;
}
