import { runInDurableObject } from "cloudflare:test";
import { env } from "./env";
import { describe, expect, it } from "vitest";
import { composeSeq, splitSeq } from "../../core/link-layout";
import { LinkAllocator, RESERVATION_TTL_MS, RESERVE } from "../../durable-objects/link-allocator";

/** A shard under a test-only name, so each test starts from empty storage. */
function shard(name: string) {
  return env.LINKS.get(env.LINKS.idFromName(name));
}
const seq = (shardNo: number, block: number, offset: number) => composeSeq({ shard: shardNo, block, offset });

describe("LinkAllocator", () => {
  it("hands out unique ids of its own shard under hundreds of concurrent calls", async () => {
    const s = shard("concurrency");
    const ids = (await Promise.all(Array.from({ length: 300 }, () => s.allocate({ shard: 3 })))).flat();
    expect(new Set(ids).size).toBe(300);
    expect(ids.map((n) => splitSeq(n).shard)).toEqual(Array(300).fill(3));
    expect(ids.map((n) => splitSeq(n).offset).sort((a, b) => a - b)).toEqual([...Array(300).keys()]);
  });

  it("allocates batches and leases the next block when one is full", async () => {
    const s = shard("blocks");
    const all: number[] = [];
    for (let i = 0; i < 65; i++) all.push(...(await s.allocate({ shard: 1, count: 1024 })));
    expect(new Set(all).size).toBe(65 * 1024);
    expect(all[65_535]).toBe(seq(1, 0, 65_535));
    expect(all[65_536]).toBe(seq(1, 1, 0));
    await s.commit(all.slice(0, 1024));
    const stats = await s.stats();
    expect(stats).toMatchObject({ shard: 1, leasedBlocks: 2, openBlocks: 1, pending: 65 * 1024 - 1024 });
    // The full block has left memory; the open one is a single run.
    expect(stats.memoryBytes).toBe(6);
  });

  it("reuses released ids, lowest first, once its reservation is spent, but never committed ones", async () => {
    const s = shard("lifecycle");
    const [a, b, c] = await s.allocate({ shard: 0, count: 3 });
    await s.commit(a!);
    await s.release([b!, a!]); // a committed id cannot be released
    expect(await s.isAllocated(a!)).toBe(true);
    expect(await s.isAllocated(b!)).toBe(false);
    expect(await s.isAllocated(c!)).toBe(true);
    expect(await s.isAllocated(seq(0, 0, 3))).toBe(false); // reserved, not handed out
    expect(await s.isAllocated(seq(0, 5, 0))).toBe(false); // block never leased
    expect(await s.allocate({ shard: 0 })).toEqual([seq(0, 0, 3)]);
    expect(await s.allocate({ shard: 0, count: RESERVE - 4 })).toHaveLength(RESERVE - 4);
    expect(await s.allocate({ shard: 0 })).toEqual([b]);
    expect(await s.allocate({ shard: 0 })).toEqual([seq(0, 0, RESERVE)]);
    const pending = await s.pending(0, 1000);
    expect(pending).toHaveLength(RESERVE); // b and 2..64; a is committed
    expect(pending).not.toContain(a);
    expect((await s.stats()).reserved).toBe(RESERVE - 2);
  });

  it("a release in a full block makes it the first to be reused", async () => {
    const s = shard("refill");
    for (let i = 0; i < 64; i++) await s.allocate({ shard: 2, count: 1024 });
    expect(await s.allocate({ shard: 2 })).toEqual([seq(2, 1, 0)]);
    await s.release(seq(2, 0, 777));
    await s.allocate({ shard: 2, count: RESERVE - 1 }); // spends the reservation
    expect(await s.allocate({ shard: 2 })).toEqual([seq(2, 0, 777)]);
    expect(await s.allocate({ shard: 2 })).toEqual([seq(2, 1, RESERVE)]);
  });

  it("returns a stale reservation before handing out its ids", async () => {
    const s = shard("stale");
    const [first] = await s.allocate({ shard: 0 });
    await runInDurableObject(s, (instance: LinkAllocator) => {
      (instance as unknown as { reservedAt: number }).reservedAt -= RESERVATION_TTL_MS + 1;
    });
    // The ids reserved with `first` go back and are reserved anew, with a fresh time.
    expect(await s.allocate({ shard: 0 })).toEqual([seq(0, 0, 1)]);
    expect(await s.pending()).toEqual([first, seq(0, 0, 1)]);
    expect((await s.stats()).pending).toBe(2);
  });

  it("keeps its state in SQLite across a restart, and never hands out what it had reserved", async () => {
    const s = shard("restart");
    const first = (await Promise.all(Array.from({ length: 50 }, () => s.allocate({ shard: 0 })))).flat();
    await s.release(first[10]!);
    await s.commit(first[11]!);
    // A new instance over the same storage stands in for an evicted and restarted object.
    const after = await runInDurableObject(s, async (_instance: LinkAllocator, state) => {
      const fresh = new LinkAllocator(state, env);
      await state.blockConcurrencyWhile(async () => {});
      return { ids: fresh.allocate({ shard: 0, count: 2 }), committed: fresh.isAllocated(first[11]!), pending: fresh.pending(0, 1000) };
    });
    expect(after.ids).toEqual([first[10], seq(0, 0, RESERVE)]);
    expect(after.committed).toBe(true);
    // Reserved before the restart, never handed out: in flight until the reconciler returns them.
    for (let offset = 50; offset < RESERVE; offset++) expect(after.pending).toContain(seq(0, 0, offset));
    expect(after.pending).toHaveLength(RESERVE);
  });

  it("refuses malformed RPC arguments and ids of other shards", async () => {
    // Called on the instance: an RPC that throws is reported by the test pool as an unhandled error.
    await runInDurableObject(shard("validation"), (instance: LinkAllocator) => {
      instance.allocate({ shard: 4 });
      expect(() => instance.allocate({ shard: 5 })).toThrow(/shard 4/);
      expect(() => instance.allocate({ shard: 4, count: 0 })).toThrow(RangeError);
      expect(() => instance.allocate({ shard: 256 })).toThrow(RangeError);
      expect(() => instance.commit(-1)).toThrow(RangeError);
      expect(() => instance.release(1.5)).toThrow(RangeError);
      expect(() => instance.commit(seq(3, 0, 0))).toThrow(/not leased/);
      expect(() => instance.release(seq(4, 0, 5))).toThrow(/not handed out/);
      expect(() => instance.isAllocated(Number.NaN)).toThrow(RangeError);
      expect(instance.isAllocated(seq(3, 0, 0))).toBe(false);
      // A failed batch changes nothing, in storage or in memory.
      expect(() => instance.commit([seq(4, 0, 0), seq(4, 9, 0)])).toThrow(/not leased/);
      expect(instance.pending()).toEqual([seq(4, 0, 0)]);
      expect(instance.allocate({ shard: 4 })).toEqual([seq(4, 0, 1)]);
    });
  });

  it("carries over the ids of the single allocator it replaces", async () => {
    const s = shard("legacy");
    const stats = await runInDurableObject(s, async (_instance: LinkAllocator, state) => {
      const sql = state.storage.sql;
      for (const t of ["shard", "blocks", "pending"]) sql.exec(`DROP TABLE IF EXISTS ${t}`);
      sql.exec(`CREATE TABLE counter (k INTEGER PRIMARY KEY CHECK (k = 0), next INTEGER NOT NULL)`);
      sql.exec(`INSERT INTO counter VALUES (0, 4)`);
      sql.exec(`CREATE TABLE ids (seq INTEGER PRIMARY KEY, state TEXT NOT NULL, at INTEGER NOT NULL)`);
      sql.exec(`INSERT INTO ids VALUES (0, 'committed', 1), (1, 'free', 1), (2, 'allocated', 1), (3, 'committed', 1)`);
      const fresh = new LinkAllocator(state, env);
      await state.blockConcurrencyWhile(async () => {});
      const used = [0, 1, 2, 3].map((n) => fresh.isAllocated(n));
      return { used, next: fresh.allocate({ shard: 0, count: 2 }), pending: fresh.pending() };
    });
    expect(stats.used).toEqual([true, false, true, true]);
    expect(stats.next).toEqual([1, 4]);
    expect(stats.pending).toEqual([2, 1, 4]);
  });
});
