import { runInDurableObject } from "cloudflare:test";
import { env } from "./env";
import { describe, expect, it } from "vitest";
import type { LinkAllocator } from "../../durable-objects/link-allocator";

function stub(name: string) {
  return env.LINKS.get(env.LINKS.idFromName(name));
}

describe("LinkAllocator", () => {
  it("hands out unique ids under hundreds of concurrent calls", async () => {
    const s = stub("concurrency");
    const ids = await Promise.all(Array.from({ length: 300 }, () => s.allocate()));
    expect(new Set(ids).size).toBe(300);
    expect(Math.min(...ids)).toBe(0);
    expect(Math.max(...ids)).toBe(299);
  });

  it("reuses released ids but never committed ones", async () => {
    const s = stub("lifecycle");
    const [a, b, c] = [await s.allocate(), await s.allocate(), await s.allocate()];
    await s.commit(a);
    await s.release(b);
    await s.release(a); // a committed id cannot be released
    expect(await s.isAllocated(a)).toBe(true);
    expect(await s.isAllocated(b)).toBe(false);
    expect(await s.isAllocated(c)).toBe(true);
    expect(await s.allocate()).toBe(b);
    expect(await s.allocate()).toBe(3);
    expect((await s.pending()).sort((x, y) => x - y)).toEqual([b, c, 3]);
  });

  it("keeps its state in SQLite across a restart of the object", async () => {
    const s = stub("restart");
    const first = await Promise.all(Array.from({ length: 50 }, () => s.allocate()));
    // A new instance over the same storage stands in for an evicted and restarted object.
    const next = await runInDurableObject(s, async (_instance: LinkAllocator, state) => {
      const { LinkAllocator: Class } = await import("../../durable-objects/link-allocator");
      const fresh = new Class(state, env);
      return fresh.allocate();
    });
    expect(first).not.toContain(next);
    expect(next).toBe(50);
  });

  it("refuses malformed RPC arguments", async () => {
    // Called on the instance: an RPC that throws is reported by the test pool as an unhandled error.
    await runInDurableObject(stub("validation"), (instance: LinkAllocator) => {
      expect(() => instance.commit(-1)).toThrow(RangeError);
      expect(() => instance.release(1.5)).toThrow(RangeError);
      expect(() => instance.isAllocated(Number.NaN)).toThrow(RangeError);
    });
  });
});
