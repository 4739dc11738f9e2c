import { and, asc, desc, gt, gte, lt, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { images } from "../db/schema";
import { BLOCK_SIZE, BLOCKS_PER_SHARD, composeSeq, shardName } from "../core/link-layout";
import { shardCount } from "./client";
import type { LinkAllocator } from "./link-allocator";
import { MAX_BATCH } from "./link-rpc";
import type { ReconcileEnv } from "./reconcile";

/**
 * Finds shards that forgot ids they handed out, and rebuilds them from D1.
 *
 * Durable Object storage survives restarts, evictions and deploys; a shard loses its state only if its
 * object is deleted (a `deleted_classes` migration, a deleted namespace). A recreated shard would lease
 * block 0 again and offer ids that published images already carry. D1's unique `seq` index refuses
 * each such upload (a retryable 503, nothing overwritten), so no link is ever given twice, but the
 * shard would keep offering the same ids. Detection costs two indexed range queries per shard; once
 * found, every published id of the shard is restored, in pages, and the shard carries on after them.
 */
export async function restoreLostShards(env: ReconcileEnv): Promise<{ restored: Record<number, number>; failedShards: number[] }> {
  const report = { restored: {} as Record<number, number>, failedShards: [] as number[] };
  const db = drizzle(env.DB);
  for (let shard = 0; shard < shardCount(env); shard++) {
    try {
      const stub = env.LINKS.get(env.LINKS.idFromName(shardName(shard)));
      if (!(await forgot(db, stub, shard))) continue;
      report.restored[shard] = await rebuild(db, stub, shard);
      console.error(JSON.stringify({ msg: "link shard rebuilt from D1", shard, ids: report.restored[shard] }));
    } catch (err) {
      console.error(JSON.stringify({ msg: "link shard check failed", shard, error: String(err) }));
      report.failedShards.push(shard);
    }
  }
  return report;
}

type Stub = DurableObjectStub<LinkAllocator>;

/** A published id in a block the shard never leased, or the last published id of its last block unknown to it. */
async function forgot(db: DrizzleD1Database, stub: Stub, shard: number): Promise<boolean> {
  const { leasedBlocks } = await stub.stats();
  const lastPublished = async (block: number) => {
    const start = composeSeq({ shard, block, offset: 0 });
    const [row] = await db
      .select({ seq: images.seq })
      .from(images)
      .where(and(gte(images.seq, start), lt(images.seq, start + BLOCK_SIZE)))
      .orderBy(desc(images.seq))
      .limit(1);
    return row?.seq;
  };
  if (leasedBlocks < BLOCKS_PER_SHARD && (await lastPublished(leasedBlocks)) !== undefined) return true;
  if (leasedBlocks === 0) return false;
  const last = await lastPublished(leasedBlocks - 1);
  return last !== undefined && !(await stub.isAllocated(last));
}

async function rebuild(db: DrizzleD1Database, stub: Stub, shard: number): Promise<number> {
  let after = -1;
  let count = 0;
  for (;;) {
    // The shard is bits 16-23 of an id (core/link-layout.ts): a rare full walk of the index, in order.
    const page = await db
      .select({ seq: images.seq })
      .from(images)
      .where(and(gt(images.seq, after), sql`(${images.seq} >> 16) & 255 = ${shard}`))
      .orderBy(asc(images.seq))
      .limit(MAX_BATCH);
    if (page.length === 0) return count;
    const seqs = page.map((r) => r.seq);
    await stub.restore({ shard, seqs });
    count += seqs.length;
    after = seqs[seqs.length - 1]!;
  }
}
