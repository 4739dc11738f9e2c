import { errorBody } from "../../core/errors";
import { ifNoneMatchHits, ifRangeAllows, notModifiedSince, parseRange } from "../../core/http/conditional";

/** Headers that a 304 repeats from the full answer (RFC 9110 15.4.5), plus our own diagnostics. */
const KEPT_ON_304 = ["cache-control", "etag", "last-modified", "vary", "content-location", "expires", "cache-tag", "x-cache"];

/**
 * Turns the full, cacheable `200` for a variant into the answer this request gets: `304` for a
 * matching validator, `206`/`416` for a single byte range, else the full answer itself, untouched:
 * the common case on the hot path (`HEAD` bodies are dropped by the router). The cache always holds
 * the full `200`, so a hit and a miss follow the same rules.
 */
export async function answer(req: Request, full: Response): Promise<Response> {
  const conditional = req.headers.has("if-none-match") || req.headers.has("if-modified-since");
  const rangeHeader = req.headers.get("range");
  if (!conditional && rangeHeader === null) return full;

  const headers = new Headers(full.headers);
  const etag = headers.get("etag") ?? "";
  const lastModified = headers.get("last-modified");

  // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
  const inm = req.headers.get("if-none-match");
  const notModified = inm !== null ? ifNoneMatchHits(inm, etag) : lastModified !== null && notModifiedSince(req.headers.get("if-modified-since"), new Date(lastModified));
  if (notModified) {
    await full.body?.cancel();
    const kept = new Headers();
    for (const name of KEPT_ON_304) {
      const value = headers.get(name);
      if (value !== null) kept.set(name, value);
    }
    return new Response(null, { status: 304, headers: kept });
  }

  if (rangeHeader === null || !ifRangeAllows(req.headers.get("if-range"), etag, lastModified)) {
    return new Response(full.body, { status: 200, headers });
  }
  const body = new Uint8Array(await full.arrayBuffer());
  const range = parseRange(rangeHeader, body.byteLength);
  if (range.kind === "unsatisfiable") {
    // Not the image and not cacheable: only what the client needs to ask again (RFC 9110 15.5.17).
    const refused = {
      "content-range": `bytes */${body.byteLength}`,
      "accept-ranges": "bytes",
      "cache-control": "no-store",
      "content-type": "application/json",
      "x-cache": headers.get("x-cache") ?? "",
    };
    const message = `the range lies outside the ${body.byteLength} bytes of this image`;
    const error = errorBody("range_not_satisfiable", message, req.headers.get("cf-ray") ?? crypto.randomUUID());
    return new Response(JSON.stringify(error), { status: 416, headers: refused });
  }
  if (range.kind === "range") {
    const part = body.subarray(range.start, range.end + 1);
    headers.set("content-range", `bytes ${range.start}-${range.end}/${body.byteLength}`);
    headers.set("content-length", String(part.byteLength));
    return new Response(part, { status: 206, headers });
  }
  // Several ranges or a malformed header: the RFC lets us ignore it and send everything.
  return new Response(body, { status: 200, headers });
}
