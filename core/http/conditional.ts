/** True when `If-None-Match` (a list, weak tags, or `*`) matches the strong `etag` (RFC 9110 13.1.2). */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const trimmed = header.trim();
  if (trimmed === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return trimmed.split(",").some((t) => t.trim().replace(/^W\//, "") === opaque);
}

/** True when `If-Modified-Since` is at or after `lastModified` (only consulted without `If-None-Match`). */
export function notModifiedSince(header: string | null, lastModified: Date): boolean {
  if (header === null) return false;
  const since = Date.parse(header);
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

/**
 * True when a `Range` may be honoured under `If-Range` (RFC 9110 13.1.5): no `If-Range`, or one that
 * matches the current representation by strong comparison (an entity tag) or exactly (a date).
 * Otherwise the client's partial copy is stale and it gets the whole body.
 */
export function ifRangeAllows(header: string | null, etag: string, lastModified: string | null): boolean {
  if (header === null) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return !value.startsWith("W/") && value === etag;
  return lastModified !== null && value === lastModified;
}

export type RangeResult = { kind: "none" } | { kind: "range"; start: number; end: number } | { kind: "unsatisfiable" };

/**
 * Parses a single `Range: bytes=…` against a body of `size` bytes (RFC 9110 14.2). Multiple ranges
 * and malformed headers are ignored (the full body is served), which the RFC allows.
 */
export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return { kind: "none" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return { kind: "none" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "none" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "none" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", start, end };
}
