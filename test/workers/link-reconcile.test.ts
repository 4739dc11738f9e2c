import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardName, shardOf } from "../../core/link-layout";
import { allocatorFor, linkAllocator } from "../../durable-objects/client";
import type { LinkAllocator } from "../../durable-objects/link-allocator";
import { reconcileAllocations } from "../../durable-objects/reconcile";
import worker from "../../workers/upload/index";
import { env } from "./env";
import { failing, leftovers } from "./helpers";

const HOUR = 3600_000;

/** Backdates ids in flight, as if their uploads had started an hour ago. */
async function age(seqs: number[], ms = HOUR) {
  for (const seq of seqs) {
    const stub = env.LINKS.get(env.LINKS.idFromName(shardName(shardOf(seq))));
    await runInDurableObject(stub, (_i: LinkAllocator, state) => {
      state.storage.sql.exec(`UPDATE pending SET at = at - ? WHERE seq = ?`, ms, seq);
    });
  }
}

/** A D1 row for an id, as the upload path writes it before its commit. */
async function record(seqs: number[]) {
  const now = Date.now();
  const insert = env.DB.prepare(
    `INSERT INTO images (id, seq, status, original_key, content_type, format, bytes, width, height, sha256, delete_token_hash, created_at, updated_at)
     VALUES (?, ?, 'pending', ?, 'image/png', 'png', 1, 1, 1, 'x', 'x', ?, ?)`,
  );
  await env.DB.batch(seqs.map((seq) => insert.bind(`t${seq}`, seq, `originals/t${seq}`, now, now)));
}

describe("reconciling link ids", () => {
  it("the upload Worker's cron commits recorded ids, releases the others, and leaves recent ones", async () => {
    const links = linkAllocator(env.LINKS, 4);
    const [recorded, orphan, recent] = [await links.allocate(), await links.allocate(), await links.allocate()];
    await record([recorded, recent]);
    await age([recorded, orphan]);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const byId = allocatorFor(env.LINKS);
    expect(await byId.isAllocated(recorded)).toBe(true);
    expect(await byId.isAllocated(orphan)).toBe(false);
    expect(await byId.isAllocated(recent)).toBe(true);
    const { held } = await leftovers();
    expect(held).toContain(recent);
    expect(held).not.toContain(orphan);
    // Committed now: a later release (a confused caller) cannot free a published id.
    await byId.release(recorded);
    expect(await byId.isAllocated(recorded)).toBe(true);
  });

  it("settles hundreds of ids per shard, beyond one D1 statement's parameters", async () => {
    const links = linkAllocator(env.LINKS, 4);
    const ids = await links.allocateMany(250);
    const withRow = ids.filter((_, i) => i % 3 === 0);
    await record(withRow);
    await age(ids);
    const report = await reconcileAllocations(env);
    expect(report).toEqual({ committed: withRow.length, released: ids.length - withRow.length, failedShards: [] });
    const byId = allocatorFor(env.LINKS);
    for (const seq of ids) expect(await byId.isAllocated(seq)).toBe(withRow.includes(seq));
    expect(await reconcileAllocations(env)).toEqual({ committed: 0, released: 0, failedShards: [] });
  });

  it("reports a shard it cannot reach and still settles the others", async () => {
    const before = new Set((await leftovers()).held);
    const links = linkAllocator(env.LINKS, 4);
    const ids = await Promise.all(Array.from({ length: 40 }, () => links.allocate()));
    await age(ids);
    const broken = env.LINKS.idFromName("shard-1");
    const ns = {
      idFromName: (name: string) => env.LINKS.idFromName(name),
      get: (id: DurableObjectId) => (id.equals(broken) ? failing(env.LINKS.get(id), "pending") : env.LINKS.get(id)),
    } as unknown as typeof env.LINKS;
    const report = await reconcileAllocations({ ...env, LINKS: ns });
    expect(report.failedShards).toEqual([1]);
    expect(report.released).toBe(ids.filter((n) => shardOf(n) !== 1).length);
    const held = (await leftovers()).held.filter((n) => !before.has(n));
    expect(held.sort((a, b) => a - b)).toEqual(ids.filter((n) => shardOf(n) === 1).sort((a, b) => a - b));
  });
});
