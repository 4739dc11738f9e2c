import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardName, shardOf } from "../../core/link-layout";
import { allocatorFor } from "../../durable-objects/client";
import type { LinkAllocator } from "../../durable-objects/link-allocator";
import { restoreLostShards } from "../../durable-objects/restore";
import { env } from "./env";
import { bytes, PNG_40x30 } from "./fixtures";
import { upload, uploaded } from "./helpers";

const stubOf = (shard: number) => env.LINKS.get(env.LINKS.idFromName(shardName(shard)));

/** Publishes images until one shard holds `count` of them; returns that shard and its ids. */
async function publishedOnOneShard(count: number) {
  const byShard = new Map<number, number[]>();
  for (;;) {
    const { id } = await uploaded(await upload(bytes(PNG_40x30)));
    const row = await env.DB.prepare("SELECT seq FROM images WHERE id = ?").bind(id).first<{ seq: number }>();
    const shard = shardOf(row!.seq);
    const list = [...(byShard.get(shard) ?? []), row!.seq];
    byShard.set(shard, list);
    if (list.length === count) return { shard, seqs: list };
  }
}

/** Every id of a shard that D1 holds (earlier tests in this file leave theirs too). */
async function publishedIds(shard: number): Promise<number[]> {
  const rows = (await env.DB.prepare("SELECT seq FROM images").all<{ seq: number }>()).results;
  return rows.map((r) => r.seq).filter((seq) => shardOf(seq) === shard);
}

/** Wipes a shard's storage and restarts it: what deleting its Durable Object would do. */
async function lose(shard: number) {
  await runInDurableObject(stubOf(shard), async (_instance: LinkAllocator, state) => {
    await state.storage.deleteAll();
    state.abort("storage lost");
  }).catch(() => undefined);
  expect((await stubOf(shard).stats()).leasedBlocks).toBe(0);
}

describe("a shard that lost its storage", () => {
  it("is found and rebuilt from D1, then never offers a published id again", async () => {
    const { shard } = await publishedOnOneShard(3);
    const seqs = await publishedIds(shard);
    await lose(shard);
    expect(await restoreLostShards(env)).toEqual({ restored: { [shard]: seqs.length }, failedShards: [] });
    const byId = allocatorFor(env.LINKS);
    for (const seq of seqs) expect(await byId.isAllocated(seq)).toBe(true);
    const fresh = await stubOf(shard).allocate({ shard, count: 100 });
    for (const seq of seqs) expect(fresh).not.toContain(seq);
    expect(await restoreLostShards(env)).toEqual({ restored: {}, failedShards: [] });
  });

  it("is found even after it went back to handing out ids from block 0", async () => {
    const { shard } = await publishedOnOneShard(2);
    const seqs = await publishedIds(shard);
    await lose(shard);
    const [reissued] = await stubOf(shard).allocate({ shard });
    expect(seqs).toContain(reissued); // what D1's unique index refuses at insert time
    const report = await restoreLostShards(env);
    expect(report.restored[shard]).toBe(seqs.length);
    const next = await stubOf(shard).allocate({ shard, count: 70 });
    for (const seq of seqs) expect(next).not.toContain(seq);
  });

  it("leaves healthy shards alone", async () => {
    await publishedOnOneShard(2);
    expect(await restoreLostShards(env)).toEqual({ restored: {}, failedShards: [] });
  });
});
