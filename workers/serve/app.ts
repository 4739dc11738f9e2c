import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { images } from "../../db/schema";
import { cacheKey } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import type { Context } from "hono";
import { onError, notFound, errorResponse } from "../../core/http/errors";
import { securityHeaders } from "../../core/http/security";
import { negotiateFormat } from "../../core/http/negotiate";
import { isLinkId } from "../../core/link-codec";
import { StoredVariants } from "../../core/schemas";
import { parseVariantSpec, pickVariant, type VariantSpec } from "./select";
import { answer } from "./respond";
import { variantResponse } from "./variant-response";

type ServeEnv = Cloudflare.ServeEnv;

async function serveImage(c: Context<{ Bindings: ServeEnv }>, id: string, spec: VariantSpec): Promise<Response> {
  const req = c.req.raw;
  if (!isLinkId(id)) throw new AppError("not_found", "no image with this id");
  const origin = new URL(req.url).origin;
  const cache = caches.default;

  // A hit needs no database: the key names the format, so first try the one the client would get.
  const guess = spec.format ?? (negotiateFormat(req.headers.get("accept"), ["webp", "jpeg"]) === "webp" ? "webp" : undefined);
  if (guess) {
    const hit = await cache.match(cacheKey(origin, id, spec.requested, guess, spec.format === undefined));
    if (hit) return answer(req, withCacheStatus(hit, "HIT"));
  }

  const row = await drizzle(c.env.DB).select().from(images).where(eq(images.id, id)).get();
  if (!row) return shortLived(c, new AppError("not_found", "no image with this id"), 60);
  if (row.status === "failed") return shortLived(c, new AppError("not_found", `image could not be processed: ${row.error ?? "unknown reason"}`), 60);
  if (row.status !== "ready") return processing(id, row.status);

  const choice = pickVariant(id, StoredVariants.parse(JSON.parse(row.variants)), spec, req.headers.get("accept"));
  const key = cacheKey(origin, id, spec.requested, choice.variant.format, choice.negotiated);
  const cached = await cache.match(key);
  if (cached) return answer(req, withCacheStatus(cached, "HIT"));

  const object = await c.env.BUCKET.get(choice.key);
  if (!object) throw new AppError("unavailable", "variant is missing from storage", { headers: { "Retry-After": "5" } });
  const full = await variantResponse(object, id, choice);
  c.executionCtx.waitUntil(cache.put(key, full.clone()));
  return answer(req, withCacheStatus(full, "MISS"));
}

function withCacheStatus(res: Response, status: "HIT" | "MISS"): Response {
  const out = new Response(res.body, res);
  out.headers.set("x-cache", status);
  return out;
}

/** Unknown and failed images: the error body, cacheable briefly so misses cannot hammer D1. */
function shortLived(c: Context, err: AppError, seconds: number): Response {
  const res = errorResponse(c, err);
  res.headers.set("Cache-Control", `public, max-age=${seconds}`);
  return res;
}

/** Still processing: a `202` the client may poll; never cached, so the image appears once ready. */
function processing(id: string, status: string): Response {
  return Response.json({ id, status, message: "the image is still being processed" }, { status: 202, headers: { "Cache-Control": "no-store", "Retry-After": "2" } });
}

export const app = new Hono<{ Bindings: ServeEnv }>()
  .use(securityHeaders)
  .get("/healthz", async (c) => {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ ok: true, worker: "serve" });
  })
  .get("/i/:id", (c) => serveImage(c, c.req.param("id"), { requested: "auto" }))
  .get("/i/:id/:spec", (c) => serveImage(c, c.req.param("id"), parseVariantSpec(c.req.param("spec"))))
  .notFound(notFound)
  .onError(onError);
