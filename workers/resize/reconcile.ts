import { and, inArray, lt, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { images } from "../../db/schema";
import type { ResizeJob } from "../../core/schemas";
import { markFailed } from "./process";

type ResizeEnv = Cloudflare.ResizeEnv;

/** Rows looked at per run: a backlog drains over several runs instead of one long one. */
const BATCH = 100;
/** Deliveries after which a stuck image is given up on (the queue's own retries are counted too). */
const MAX_ATTEMPTS = 8;

export interface ReconcileReport {
  requeued: string[];
  failed: string[];
}

/**
 * Finds images stuck in `pending`/`processing` longer than `RECONCILE_AFTER_SECONDS` (a lost queue
 * message, a runtime restart mid-job) and sends their job again, or marks them `failed` when the
 * original is gone or they have used up their attempts. Re-sending is safe: jobs are idempotent.
 */
export async function reconcileStuckImages(env: ResizeEnv, now = Date.now()): Promise<ReconcileReport> {
  const db = drizzle(env.DB);
  const cutoff = now - Number(env.RECONCILE_AFTER_SECONDS) * 1000;
  const stuck = await db
    .select()
    .from(images)
    .where(and(inArray(images.status, ["pending", "processing"]), lt(images.updatedAt, cutoff)))
    .orderBy(images.updatedAt)
    .limit(BATCH);

  const report: ReconcileReport = { requeued: [], failed: [] };
  for (const row of stuck) {
    if (row.attempts >= MAX_ATTEMPTS) {
      await markFailed(env, row.id, `processing did not finish after ${row.attempts} attempts`);
      report.failed.push(row.id);
      continue;
    }
    if (!(await env.BUCKET.head(row.originalKey))) {
      await markFailed(env, row.id, "the original is missing from storage");
      report.failed.push(row.id);
      continue;
    }
    const job: ResizeJob = { v: 1, id: row.id, key: row.originalKey, type: row.contentType as ResizeJob["type"], width: row.width, height: row.height };
    await env.RESIZE_QUEUE.send(job, { contentType: "json" });
    // Touch the row so the next run waits a full period before sending it again.
    await db.update(images).set({ updatedAt: now }).where(and(eq(images.id, row.id), inArray(images.status, ["pending", "processing"])));
    report.requeued.push(row.id);
  }
  if (report.requeued.length || report.failed.length) console.log(JSON.stringify({ msg: "reconciled stuck images", ...report }));
  return report;
}
