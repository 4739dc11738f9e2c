import { and, eq, ne, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { images } from "../../db/schema";
import { parseLimits } from "../../core/limits";
import type { ResizeJob, StoredVariant } from "../../core/schemas";
import { displaySize, inspectImage } from "../../core/sniff";
import { planWidths, variantKey } from "../../core/variants";
import { AppError } from "../../core/errors";
import { OneAtATime } from "./one-at-a-time";
import { readOriginal } from "./original";
import { PipelineError, renderVariants } from "./pipeline";

type ResizeEnv = Cloudflare.ResizeEnv;

/** A failure that retrying cannot fix: the image is marked failed at once. */
export class PermanentFailure extends Error {}

export type JobOutcome = "ready" | "skipped" | "gone";

/** One image in memory per isolate at a time (one-at-a-time.ts). */
const imageTurn = new OneAtATime();

/** Reads, re-validates and renders an original: the part of a job that holds the image. */
async function renderOriginal(env: ResizeEnv, key: string) {
  const bytes = await readOriginal(env.BUCKET, key);
  if (!bytes) throw new PermanentFailure("the original is missing from storage");
  let info;
  try {
    info = inspectImage(bytes, parseLimits(env));
  } catch (err) {
    if (err instanceof AppError) throw new PermanentFailure(`the original failed validation: ${err.message}`);
    throw err;
  }
  const display = displaySize(info);
  try {
    return await renderVariants(bytes, info, planWidths(display.width, display.height, info.hasAlpha));
  } catch (err) {
    if (err instanceof PipelineError) throw new PermanentFailure(`the image could not be decoded: ${err.message}`);
    throw err;
  }
}

/**
 * One resize job, idempotent: the same message twice writes the same keys with the same bytes.
 * Variants are written before the row says `ready`, so nothing half-made is ever served; if the
 * image was deleted meanwhile, what this job wrote is removed again.
 */
export async function processJob(env: ResizeEnv, job: ResizeJob): Promise<JobOutcome> {
  const db = drizzle(env.DB);
  const row = await db.select().from(images).where(eq(images.id, job.id)).get();
  if (!row) return "gone";
  if (row.status === "ready" || row.status === "failed") return "skipped";
  await db
    .update(images)
    .set({ status: "processing", attempts: sql`${images.attempts} + 1`, updatedAt: Date.now() })
    .where(eq(images.id, job.id));

  const rendered = await imageTurn.run(() => renderOriginal(env, row.originalKey));
  const variants: StoredVariant[] = [];
  const keys: string[] = [];
  for (const v of rendered) {
    const key = variantKey(job.id, v.width, v.format);
    await env.BUCKET.put(key, v.bytes, { httpMetadata: { contentType: v.contentType } });
    keys.push(key);
    variants.push({ width: v.width, height: v.height, format: v.format, bytes: v.bytes.byteLength });
  }

  const updated = await db
    .update(images)
    .set({ status: "ready", variants: JSON.stringify(variants), error: null, updatedAt: Date.now() })
    .where(and(eq(images.id, job.id), ne(images.status, "failed")))
    .returning({ id: images.id });
  if (updated.length === 0) {
    await env.BUCKET.delete(keys);
    return "gone";
  }
  return "ready";
}

/**
 * Records why an image could not be made and removes any variants a failed attempt left. An image
 * that is already `ready` stays ready: a late dead letter must not undo a later success.
 */
export async function markFailed(env: ResizeEnv, id: string, reason: string): Promise<void> {
  const updated = await drizzle(env.DB)
    .update(images)
    .set({ status: "failed", error: reason.slice(0, 500), updatedAt: Date.now() })
    .where(and(eq(images.id, id), ne(images.status, "ready")))
    .returning({ id: images.id });
  if (updated.length === 0) return;
  const listed = await env.BUCKET.list({ prefix: `variants/${id}/` });
  if (listed.objects.length > 0) await env.BUCKET.delete(listed.objects.map((o) => o.key));
}
