import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { images } from "../../db/schema";
import { statusCacheKey, type VariantRequest } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import { errorResponse, requestId } from "../../core/http/errors";
import type { ModernFormat } from "../../core/http/formats";
import { allocatorGate, type ServeEnv } from "./env";
import { wasIssued } from "./issued";
import { answer } from "./respond";
import { pickVariant, ServedVariants } from "./select";
import { variantResponse } from "./variant-response";

type C = Context<{ Bindings: ServeEnv }>;

/** Unknown, deleted and failed images: long enough that probing ids cannot hammer D1 or the allocator. */
export const NOT_FOUND_TTL = 60;
/** Still processing: variants appear within seconds, so the `202` is reused for about one poll interval. */
export const PROCESSING_TTL = 2;
const STATUS_HEADER = "x-origin-status";

/**
 * A cache miss for a variant key: the short-lived status answer if one is cached, else the
 * allocator's never-issued check, then the D1 row, then the R2 object. The variant is put in the
 * cache after the response is sent (`waitUntil`), never before it.
 */
export async function fromOrigin(c: C, id: string, req: VariantRequest, accepted: readonly ModernFormat[], key: string): Promise<Response> {
  const cache = caches.default;
  const statusKey = statusCacheKey(new URL(c.req.url).origin, id);
  const known = await cache.match(statusKey);
  if (known) return restamp(c, known);

  const { codec, check } = allocatorGate(c.env);
  if ((await wasIssued(id, codec, check)) === false) return remember(c, statusKey, notFound(c, "no image with this id"));

  const row = await storage("image index", () => drizzle(c.env.DB).select().from(images).where(eq(images.id, id)).get());
  if (!row) return remember(c, statusKey, notFound(c, "no image with this id"));
  if (row.status === "failed") return remember(c, statusKey, notFound(c, `image could not be processed: ${row.error ?? "unknown reason"}`));
  if (row.status !== "ready") return remember(c, statusKey, processing(id, row.status));

  const choice = pickVariant(id, ServedVariants.parse(JSON.parse(row.variants)), req, accepted);
  const object = await storage("image storage", () => c.env.BUCKET.get(choice.key));
  if (!object) throw new AppError("unavailable", "variant is missing from storage", { headers: { "Retry-After": "5" } });
  const full = await variantResponse(object, id, choice);
  c.executionCtx.waitUntil(cache.put(key, full.clone()));
  return answer(c.req.raw, full, "MISS");
}

/** A failed D1 or R2 call is the documented, retryable `503`, not a `500`. */
async function storage<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new AppError("unavailable", `${what} unavailable, retry shortly`, { cause: err, headers: { "Retry-After": "1" } });
  }
}

function notFound(c: C, message: string): Response {
  const res = errorResponse(c, new AppError("not_found", message));
  res.headers.set("Cache-Control", `public, max-age=${NOT_FOUND_TTL}`);
  return res;
}

/** Still processing: a `202` the client may poll, never cached for longer than a poll interval. */
function processing(id: string, status: string): Response {
  const body = { id, status, message: "the image is still being processed" };
  return Response.json(body, { status: 202, headers: { "Cache-Control": `public, max-age=${PROCESSING_TTL}`, "Retry-After": String(PROCESSING_TTL) } });
}

/**
 * Keeps a status answer under the image's status key. The Cache API stores only statuses HTTP calls
 * cacheable (a `202` is not), so the entry is a `200` carrying the real status in a header, restored
 * on the way out.
 */
function remember(c: C, statusKey: string, res: Response): Response {
  const entry = new Response(res.clone().body, { status: 200, headers: res.headers });
  entry.headers.set(STATUS_HEADER, String(res.status));
  c.executionCtx.waitUntil(caches.default.put(statusKey, entry));
  res.headers.set("x-cache", "MISS");
  return res;
}

/** A cached status answer, with this request's id in its error body rather than the first one's. */
async function restamp(c: C, cached: Response): Promise<Response> {
  const status = Number(cached.headers.get(STATUS_HEADER));
  const headers = new Headers(cached.headers);
  headers.delete(STATUS_HEADER);
  headers.set("x-cache", "HIT");
  if (status !== 404) return new Response(cached.body, { status, headers });
  const body = (await cached.json()) as { error: { request_id: string } };
  body.error.request_id = requestId(c);
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status, headers });
}
