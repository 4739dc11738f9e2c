import { Hono } from "hono";
import { variantCacheKey } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import { storageCall } from "../../core/storage";
import { onError, notFound } from "../../core/http/errors";
import { acceptedModernFormats } from "../../core/http/negotiate";
import { securityHeaders } from "../../core/http/security";
import { isLinkId } from "../../core/link-codec";
import type { ServeEnv } from "./env";
import { fromOrigin } from "./origin";
import { answer } from "./respond";
import { parseVariantSpec } from "./select";
import { fromStatusEntry, isStatusEntry } from "./status";

export const app = new Hono<{ Bindings: ServeEnv }>()
  .use(securityHeaders)
  .get("/healthz", async (c) => {
    await storageCall("the image index", () => c.env.DB.prepare("SELECT 1").first());
    return c.json({ ok: true, worker: "serve" });
  })
  // `/i/{id}` and `/i/{id}/{width}[.{ext}]`: shapes checked first, then one cache lookup under a key
  // made from the URL and `Accept` alone, so a hit costs no database, allocator or R2 call.
  .get("/i/:id/:spec?", async (c) => {
    const id = c.req.param("id");
    if (!isLinkId(id)) throw new AppError("bad_request", "an image id is 7 letters or digits");
    const req = parseVariantSpec(c.req.param("spec"));
    const accepted = req.format ? [] : acceptedModernFormats(c.req.header("accept") ?? null);
    const key = variantCacheKey(new URL(c.req.url).origin, id, req, accepted);
    const hit = await caches.default.match(key);
    if (hit) return isStatusEntry(hit) ? fromStatusEntry(c, hit) : answer(c.req.raw, hit);
    return fromOrigin(c, id, req, accepted, key);
  })
  .on(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"], ["/i/:id", "/i/:id/:spec"], () => {
    throw new AppError("method_not_allowed", "images are read with GET or HEAD", { headers: { Allow: "GET, HEAD" } });
  })
  .notFound(notFound)
  .onError(onError);
