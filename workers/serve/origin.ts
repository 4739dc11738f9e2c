import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { images } from "../../db/schema";
import type { VariantRequest } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import { storageCall } from "../../core/storage";
import type { ModernFormat } from "../../core/http/formats";
import { allocatorGate, type ServeEnv } from "./env";
import { wasIssued } from "./issued";
import { answer } from "./respond";
import { forgetRow, readyRow, rememberRow, type ImageRow } from "./rows";
import { pickVariant, ServedVariants } from "./select";
import { notFound, processing, remember } from "./status";
import { variantResponse } from "./variant-response";

/**
 * A cache miss for a variant key: the allocator's never-issued check, then the D1 row (both skipped
 * for an image this isolate already found ready), then the R2 object. Whatever is answered is put under `key` after the response is sent (`waitUntil`): the
 * variant for a year, a status answer briefly. Misses carry `Server-Timing` for each step (times
 * advance only across I/O in Workers, which is what these steps are).
 */
export async function fromOrigin(c: Context<{ Bindings: ServeEnv }>, id: string, req: VariantRequest, accepted: readonly ModernFormat[], key: string): Promise<Response> {
  const timings: string[] = [];
  const res = await resolve(c, id, req, accepted, key, async (name, step) => {
    const start = Date.now();
    try {
      return await step();
    } finally {
      timings.push(`${name};dur=${Date.now() - start}`);
    }
  });
  res.headers.set("server-timing", timings.join(", "));
  return res;
}

type Timed = <T>(name: string, step: () => Promise<T>) => Promise<T>;

async function resolve(c: Context<{ Bindings: ServeEnv }>, id: string, req: VariantRequest, accepted: readonly ModernFormat[], key: string, timed: Timed): Promise<Response> {
  const remembered = readyRow(id);
  const row = remembered ?? (await readRow(c, id, timed));
  if (!row) return remember(c, key, notFound(c, "no image with this id"));
  if (row.status === "failed") return remember(c, key, notFound(c, `image could not be processed: ${row.error ?? "unknown reason"}`));
  if (row.status !== "ready") return remember(c, key, processing(id, row.status));
  rememberRow(id, row);

  const choice = pickVariant(id, ServedVariants.parse(JSON.parse(row.variants)), req, accepted);
  const object = await timed("r2", () => storageCall("image storage", () => c.env.BUCKET.get(choice.key)));
  if (!object && remembered) {
    // Deleted since the row was remembered (a delete removes the objects first): ask D1 again.
    forgetRow(id);
    return resolve(c, id, req, accepted, key, timed);
  }
  if (!object) throw new AppError("unavailable", "variant is missing from storage", { headers: { "Retry-After": "5" } });
  const body = await object.arrayBuffer();
  c.executionCtx.waitUntil(caches.default.put(key, variantResponse(body, object, id, choice, "HIT")));
  return answer(c.req.raw, variantResponse(body, object, id, choice, "MISS"));
}

/** The row, unless the allocator says the id was never issued (then `undefined`, as for no row). */
async function readRow(c: Context<{ Bindings: ServeEnv }>, id: string, timed: Timed): Promise<ImageRow | undefined> {
  const { codec, check } = allocatorGate(c.env);
  if ((await timed("allocator", () => wasIssued(id, codec, check))) === false) return undefined;
  const columns = { status: images.status, variants: images.variants, error: images.error };
  return timed("d1", () => storageCall("image index", () => drizzle(c.env.DB).select(columns).from(images).where(eq(images.id, id)).get()));
}
