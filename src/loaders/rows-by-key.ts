/**
 * A DataLoader batch's answer: for each key, in the keys' order, the rows whose `key(row)` it is
 * (none: an empty list).
 */
export function rowsByKey<T>(
  keys: readonly string[],
  rows: readonly T[],
  key: (row: T) => string,
): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(key(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}
