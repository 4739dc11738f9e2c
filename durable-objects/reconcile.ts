import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { images } from "../db/schema";
import { shardName } from "../core/link-layout";
import { shardCount } from "./client";
import type { LinkAllocator } from "./link-allocator";

export interface ReconcileEnv {
  LINKS: DurableObjectNamespace<LinkAllocator>;
  DB: D1Database;
  LINK_SHARDS?: string;
}

export interface ReconcileOptions {
  /**
   * How long an id may stay in flight before it is settled. Far longer than any upload takes between
   * `allocate()` and its D1 insert (seconds), so an upload still under way is never released under it.
   */
  graceMs?: number;
  /** Ids settled per shard per run; a backlog drains over the following runs. */
  limit?: number;
}

export interface ReconcileReport {
  committed: number;
  released: number;
  failedShards: number[];
}

/** D1 refuses more than 100 bound parameters in one statement. */
const D1_PARAMS = 100;

/**
 * Settles ids that were allocated but never committed nor released — an upload whose Worker died
 * between steps, or whose `commit()` failed after its row was written. The D1 row is the record of
 * publication: an id with a row is committed (it must never be reused), an id without one is released.
 * Shards are independent: one that fails is reported and retried on the next run.
 */
export async function reconcileAllocations(env: ReconcileEnv, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const graceMs = options.graceMs ?? 15 * 60_000;
  const limit = options.limit ?? 500;
  const report: ReconcileReport = { committed: 0, released: 0, failedShards: [] };
  for (let shard = 0; shard < shardCount(env); shard++) {
    try {
      const stub = env.LINKS.get(env.LINKS.idFromName(shardName(shard)));
      const stale = await stub.pending(graceMs, limit);
      if (stale.length === 0) continue;
      const recorded = await recordedSeqs(env.DB, stale);
      const commit = stale.filter((s) => recorded.has(s));
      const release = stale.filter((s) => !recorded.has(s));
      if (commit.length > 0) await stub.commit(commit);
      if (release.length > 0) await stub.release(release);
      report.committed += commit.length;
      report.released += release.length;
    } catch (err) {
      console.error(JSON.stringify({ msg: "link reconcile failed", shard, error: String(err) }));
      report.failedShards.push(shard);
    }
  }
  return report;
}

async function recordedSeqs(db: D1Database, seqs: number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (let i = 0; i < seqs.length; i += D1_PARAMS) {
    const chunk = seqs.slice(i, i + D1_PARAMS);
    const rows = await drizzle(db).select({ seq: images.seq }).from(images).where(inArray(images.seq, chunk));
    for (const r of rows) found.add(r.seq);
  }
  return found;
}
