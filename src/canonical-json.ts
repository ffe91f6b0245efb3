/**
 * Code-unit order, as PostgreSQL orders dates, ASCII codes and uuids under `COLLATE "C"` (not
 * localeCompare): the order canonical JSON sorts keys in, and every sort that must match the
 * database's.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * JSON with object keys sorted at every level (and undefined members left out), so that the same
 * content always gives the same text whatever order its keys were written or stored in (jsonb
 * reorders them): what content hashes are taken of.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
