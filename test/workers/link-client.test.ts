import { runInDurableObject } from "cloudflare:test";
import { env } from "./env";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { ID_SPACE } from "../../core/link-codec";
import { shardOf } from "../../core/link-layout";
import { allocatorFor, linkAllocator, shardCount } from "../../durable-objects/client";
import type { LinkAllocator } from "../../durable-objects/link-allocator";
import { failing } from "./helpers";

type Namespace = typeof env.LINKS;

/** The real namespace with the named shards' objects failing on every call. */
function withBrokenShards(broken: string[]): Namespace {
  return {
    idFromName: (name: string) => env.LINKS.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.LINKS.get(id);
      return broken.some((n) => env.LINKS.idFromName(n).equals(id)) ? failing(failing(stub, "allocate"), "isAllocated") : stub;
    },
  } as unknown as Namespace;
}

describe("the allocator client", () => {
  it("reads the shard count from LINK_SHARDS", () => {
    expect(shardCount(env)).toBe(4);
    expect(shardCount({})).toBe(1);
    expect(() => shardCount({ LINK_SHARDS: "0" })).toThrow();
    expect(() => shardCount({ LINK_SHARDS: "257" })).toThrow();
  });

  it("spreads hundreds of concurrent allocations over every shard, without a duplicate", async () => {
    const links = linkAllocator(env.LINKS, 4);
    const ids = await Promise.all(Array.from({ length: 400 }, () => links.allocate()));
    expect(new Set(ids).size).toBe(400);
    const perShard = [0, 1, 2, 3].map((s) => ids.filter((n) => shardOf(n) === s).length);
    for (const n of perShard) expect(n).toBeGreaterThan(40);
    await Promise.all(ids.map((n) => links.release(n)));
  });

  it("stays unique when a shard restarts in the middle of the traffic", async () => {
    const links = linkAllocator(env.LINKS, 4);
    // A fresh stub each time: a stub that saw its object abort stays broken.
    const victim = () => env.LINKS.get(env.LINKS.idFromName("shard-2"));
    const instanceOf = () => runInDurableObject(victim(), (instance: LinkAllocator) => instance);
    const original = await instanceOf();
    const attempts = Array.from({ length: 300 }, (_, i) =>
      i === 150
        ? runInDurableObject(victim(), (_instance: LinkAllocator, state) => state.abort("restart in the middle")).then(
            () => null,
            () => null,
          )
        : links.allocate().catch(() => null),
    );
    const settled = (await Promise.all(attempts)).filter((n): n is number => n !== null);
    const after = await Promise.all(Array.from({ length: 100 }, () => links.allocate()));
    expect(await instanceOf()).not.toBe(original);
    const all = [...settled, ...after];
    expect(all.length).toBeGreaterThan(380);
    expect(new Set(all).size).toBe(all.length);
    // The restarted shard answers for what it handed out before the restart.
    for (const n of settled.filter((x) => shardOf(x) === 2)) expect(await allocatorFor(env.LINKS).isAllocated(n)).toBe(true);
    await Promise.all(all.map((n) => links.release(n)));
  });

  it("moves on to another shard when one fails, and answers 503 only when all do", async () => {
    const half = linkAllocator(withBrokenShards(["shard-0", "shard-1"]), 4);
    const ids = await Promise.all(Array.from({ length: 40 }, () => half.allocate()));
    expect(new Set(ids.map(shardOf))).toEqual(new Set([2, 3]));
    await Promise.all(ids.map((n) => half.release(n)));

    const none = linkAllocator(withBrokenShards(["shard-0", "shard-1", "shard-2", "shard-3"]), 4);
    const err = await none.allocate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "unavailable" });
    expect((err as AppError).headers).toMatchObject({ "Retry-After": "1" });
  });

  it("routes id calls by the shard in the id alone", async () => {
    const links = linkAllocator(env.LINKS, 4);
    const ids = await links.allocateMany(3);
    const byId = allocatorFor(env.LINKS);
    for (const n of ids) expect(await byId.isAllocated(n)).toBe(true);
    await byId.commit(ids[0]!);
    await byId.release(ids[1]!);
    expect(await byId.isAllocated(ids[0]!)).toBe(true);
    expect(await byId.isAllocated(ids[1]!)).toBe(false);
    await byId.release(ids[2]!);
    expect(await byId.isAllocated(ID_SPACE - 1)).toBe(false); // a decodable link no shard can issue
    const broken = allocatorFor(withBrokenShards([`shard-${shardOf(ids[0]!)}`]));
    await expect(broken.isAllocated(ids[0]!)).rejects.toMatchObject({ code: "unavailable" });
  });
});
