/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/**
 * The candidate a mistyped name most likely meant, or null when none is close. A truncated
 * name (`revenu`) is closest to the names it starts or is contained in, which plain edit
 * distance would miss (it is 9 edits from `revenueLastYear` but 6 from `status`); otherwise
 * the nearest within a third of the name's length, at least 2 edits.
 */
export function nearestName(
  input: string,
  candidates: readonly string[],
  aliases?: ReadonlyMap<string, string>,
): string | null {
  const alias = aliases?.get(input.trim());
  if (alias) return alias;
  const lower = input.toLowerCase();
  if (lower.length >= 3) {
    const containing = candidates
      .filter((c) => c.toLowerCase().includes(lower))
      .sort((p, q) => p.length - q.length);
    if (containing[0]) return containing[0];
  }
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(input.length / 3));
  return bestDistance <= allowed ? best : null;
}
