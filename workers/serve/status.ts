import type { Context } from "hono";
import { AppError } from "../../core/errors";
import { errorResponse, requestId } from "../../core/http/errors";

/** Unknown, deleted and failed images: long enough that probing ids cannot hammer D1 or the allocator. */
export const NOT_FOUND_TTL = 60;
/** Still processing: variants appear within seconds, so the `202` is reused for about one poll interval. */
export const PROCESSING_TTL = 2;

/** Marks a cache entry that holds a status answer rather than a variant; its value is the real status. */
const STATUS_HEADER = "x-origin-status";

export function notFound(c: Context, message: string): Response {
  const res = errorResponse(c, new AppError("not_found", message));
  res.headers.set("Cache-Control", `public, max-age=${NOT_FOUND_TTL}`);
  return res;
}

/** Still processing: a `202` the client may poll, never cached for longer than a poll interval. */
export function processing(id: string, status: string): Response {
  const body = { id, status, message: "the image is still being processed" };
  return Response.json(body, { status: 202, headers: { "Cache-Control": `public, max-age=${PROCESSING_TTL}`, "Retry-After": String(PROCESSING_TTL) } });
}

/**
 * Keeps a status answer under the variant's own key, so the one lookup of the hit path finds it too.
 * The Cache API stores only statuses HTTP calls cacheable (a `202` is not), so the entry is a `200`
 * carrying the real status in a header, restored by `fromStatusEntry`.
 */
export function remember(c: Context, key: string, res: Response): Response {
  const entry = new Response(res.clone().body, { status: 200, headers: res.headers });
  entry.headers.set(STATUS_HEADER, String(res.status));
  entry.headers.set("x-cache", "HIT");
  c.executionCtx.waitUntil(caches.default.put(key, entry));
  res.headers.set("x-cache", "MISS");
  return res;
}

export function isStatusEntry(cached: Response): boolean {
  return cached.headers.has(STATUS_HEADER);
}

/** A cached status answer, with this request's id in its error body rather than the first one's. */
export async function fromStatusEntry(c: Context, cached: Response): Promise<Response> {
  const status = Number(cached.headers.get(STATUS_HEADER));
  const headers = new Headers(cached.headers);
  headers.delete(STATUS_HEADER);
  if (status !== 404) return new Response(cached.body, { status, headers });
  const body = (await cached.json()) as { error: { request_id: string } };
  body.error.request_id = requestId(c);
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status, headers });
}
