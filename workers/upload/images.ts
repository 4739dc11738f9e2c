import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { images } from "../../db/schema";
import { allCacheKeys } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import { storageCall } from "../../core/storage";
import { createLinkCodec, type LinkCodec } from "../../core/link-codec";
import { parseLimits, type UploadLimits } from "../../core/limits";
import { toRecord } from "../../core/record";
import { LinkId, StoredVariants, type UploadResult } from "../../core/schemas";
import { inspectImage } from "../../core/sniff";
import { tokenMatches } from "../../core/tokens";
import { variantKey } from "../../core/variants";
import { readUpload } from "./body";
import { linkAllocator, shardCount } from "../../durable-objects/client";
import { publish } from "./publish";
import { rateLimit } from "./rate-limit";
import type { UploadEnv } from "./env";

const configs = new WeakMap<object, { limits: UploadLimits; codec: LinkCodec }>();
/** Vars are parsed once per isolate (the env object lives as long as it), not per request. */
function config(env: UploadEnv) {
  let found = configs.get(env);
  if (!found) {
    found = { limits: parseLimits(env), codec: createLinkCodec(env.LINK_SECRET) };
    configs.set(env, found);
  }
  return found;
}

async function findRow(env: UploadEnv, id: string) {
  const linkId = LinkId.parse(id);
  const row = await storageCall("the database", () => drizzle(env.DB).select().from(images).where(eq(images.id, linkId)).get());
  if (!row) throw new AppError("not_found", "no image with this id");
  return row;
}

export const imagesApi = new Hono<{ Bindings: UploadEnv }>()
  .post("/", rateLimit("UPLOAD_LIMITER"), async (c) => {
    const { limits, codec } = config(c.env);
    const bytes = await readUpload(c.req.raw, limits.maxUploadBytes, limits.idleTimeoutMs);
    const info = inspectImage(bytes, limits);
    const links = linkAllocator(c.env.LINKS, shardCount(c.env));
    const { row, deleteToken } = await publish({ bucket: c.env.BUCKET, db: c.env.DB, queue: c.env.RESIZE_QUEUE, links, codec }, bytes, info);
    const origin = new URL(c.req.url).origin;
    const body: UploadResult = { ...toRecord(row, origin), delete_token: deleteToken };
    c.header("Location", `${origin}/api/images/${row.id}`);
    c.header("Cache-Control", "no-store");
    return c.json(body, 202);
  })
  .get("/:id", rateLimit("STATUS_LIMITER"), async (c) => {
    const row = await findRow(c.env, c.req.param("id"));
    c.header("Cache-Control", "no-store");
    return c.json(toRecord(row, new URL(c.req.url).origin));
  })
  .delete("/:id", async (c) => {
    const id = LinkId.parse(c.req.param("id"));
    const auth = c.req.header("authorization");
    if (!auth) throw new AppError("unauthorized", "send the delete token as 'Authorization: Bearer <token>'", { headers: { "WWW-Authenticate": "Bearer" } });
    const row = await findRow(c.env, id);
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!token || !(await tokenMatches(token, row.deleteTokenHash))) throw new AppError("forbidden", "the delete token does not match this image");

    const variants = StoredVariants.parse(JSON.parse(row.variants));
    // Objects first, row last: if a step fails the client retries the same DELETE and it finishes;
    // a resize job racing with the delete removes what it wrote once it finds the row gone.
    await storageCall("storage", async () => {
      const listed = await c.env.BUCKET.list({ prefix: `variants/${id}/` });
      const keys = new Set([row.originalKey, ...variants.map((v) => variantKey(id, v.width, v.format)), ...listed.objects.map((o) => o.key)]);
      await c.env.BUCKET.delete([...keys]);
    });
    await storageCall("the database", () => drizzle(c.env.DB).delete(images).where(eq(images.id, id)));
    const origin = new URL(c.req.url).origin;
    // The image is gone at the origin; a purge that fails only leaves a copy to age out of this cache.
    await Promise.all(allCacheKeys(origin, id, variants).map((k) => caches.default.delete(k))).catch((err) =>
      console.error(JSON.stringify({ msg: "cache purge failed", id, error: String(err) })),
    );
    return c.body(null, 204);
  });
