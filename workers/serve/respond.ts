import { ifNoneMatchHits, notModifiedSince, parseRange } from "../../core/http/conditional";

/** Headers that a 304 repeats from the full answer (RFC 9110 15.4.5). */
const KEPT_ON_304 = ["cache-control", "etag", "last-modified", "vary", "content-location", "expires"];

/**
 * Turns the full, cacheable answer for a variant into the answer this request gets: `304` for a
 * matching validator, `206`/`416` for a single byte range, no body for `HEAD`. The cache always
 * holds the full `200`, so every client sees the same rules on a hit and on a miss.
 */
export async function answer(req: Request, full: Response): Promise<Response> {
  const etag = full.headers.get("etag") ?? "";
  const lastModified = full.headers.get("last-modified");
  const inm = req.headers.get("if-none-match");
  const notModified =
    inm !== null ? ifNoneMatchHits(inm, etag) : lastModified !== null && notModifiedSince(req.headers.get("if-modified-since"), new Date(lastModified));
  if (notModified) {
    const headers = new Headers();
    for (const [k, v] of full.headers) if (KEPT_ON_304.includes(k) || k.startsWith("x-")) headers.set(k, v);
    return new Response(null, { status: 304, headers });
  }

  const body = new Uint8Array(await full.arrayBuffer());
  const headers = new Headers(full.headers);
  headers.set("accept-ranges", "bytes");
  const ifRange = req.headers.get("if-range");
  const range = ifRange === null || ifRange === etag ? parseRange(req.headers.get("range"), body.byteLength) : ({ kind: "none" } as const);
  const isHead = req.method === "HEAD";

  if (range.kind === "unsatisfiable") {
    headers.set("content-range", `bytes */${body.byteLength}`);
    headers.delete("content-length");
    return new Response(null, { status: 416, headers });
  }
  if (range.kind === "range") {
    const part = body.subarray(range.start, range.end + 1);
    headers.set("content-range", `bytes ${range.start}-${range.end}/${body.byteLength}`);
    headers.set("content-length", String(part.byteLength));
    return new Response(isHead ? null : part, { status: 206, headers });
  }
  headers.set("content-length", String(body.byteLength));
  return new Response(isHead ? null : body, { status: 200, headers });
}
