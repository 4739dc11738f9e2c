import { describe, expect, it } from "vitest";
import { ArrayContainer, BitmapContainer, CONTAINER_SIZE, RunContainer, type Container } from "../../core/link-roaring-container";
import { decodeContainer, layoutBytes, optimize } from "../../core/link-roaring-codec";
import { ShardBitmap } from "../../core/link-roaring";
import { BLOCK_SIZE, BLOCKS_PER_SHARD } from "../../core/link-layout";

/** A seeded generator, so a failing case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fresh: Record<string, () => Container> = {
  array: () => new ArrayContainer(),
  bitmap: () => new BitmapContainer(),
  run: () => new RunContainer(),
};

function expectSame(c: Container, model: Set<number>) {
  expect(c.cardinality).toBe(model.size);
  const fromRuns: number[] = [];
  for (const [s, e] of c.runs()) for (let v = s; v <= e; v++) fromRuns.push(v);
  expect(fromRuns).toEqual([...model].sort((a, b) => a - b));
}

describe("Roaring containers", () => {
  for (const [kind, make] of Object.entries(fresh)) {
    it(`${kind}: random adds and removes match a set, through every layout change and round trip`, () => {
      const rand = rng(kind.length * 7919);
      let c = make();
      const model = new Set<number>();
      // Clustered values (runs), scattered values (arrays) and enough of them to pass 4,096 (bitmaps).
      for (let step = 0; step < 12_000; step++) {
        const v = rand() < 0.5 ? Math.floor(rand() * 300) : Math.floor(rand() * CONTAINER_SIZE);
        if (rand() < 0.7) {
          c = c.add(v);
          model.add(v);
        } else {
          c = c.remove(v);
          model.delete(v);
        }
        if (step % 1000 === 0) {
          const probe = Math.floor(rand() * CONTAINER_SIZE);
          expect(c.has(probe)).toBe(model.has(probe));
          let absent = probe;
          while (absent < CONTAINER_SIZE && model.has(absent)) absent++;
          expect(c.firstAbsent(probe)).toBe(absent);
        }
      }
      expectSame(c, model);
      const best = optimize(c);
      expectSame(best, model);
      const sizes = layoutBytes(model.size, c.runs().length);
      expect(best.encode().byteLength).toBe(Math.min(sizes.array, sizes.bitmap, sizes.run));
      expectSame(decodeContainer(best.kind, best.encode()), model);
      for (const k of ["array", "bitmap", "run"] as const) {
        if (k === "array" && model.size > 4096) continue;
        expectSame(decodeContainer(k, reencode(c, k)), model);
      }
    });
  }

  it("an array grows into a bitmap past 4,096 values", () => {
    let c: Container = new ArrayContainer();
    for (let v = 0; v < 8192; v += 2) c = c.add(v);
    expect(c.kind).toBe("array");
    c = c.add(1);
    expect(c.kind).toBe("bitmap");
    expect(c.cardinality).toBe(4097);
  });

  it("a block filled from 0 upwards stays one run of 6 bytes, full or not", () => {
    let c: Container = new RunContainer();
    for (let i = 0; i < CONTAINER_SIZE; i++) c = c.add(c.firstAbsent(0));
    expect(c.firstAbsent(0)).toBe(CONTAINER_SIZE);
    expect(optimize(c).encode().byteLength).toBe(6);
    c = c.remove(40_000);
    expect(c.firstAbsent(0)).toBe(40_000);
    expect(optimize(c).encode().byteLength).toBe(10);
  });

  it("the worst case, every other id used, is an 8 KiB bitmap", () => {
    let c: Container = new RunContainer();
    for (let v = 0; v < CONTAINER_SIZE; v += 2) c = c.add(v);
    expect(optimize(c).kind).toBe("bitmap");
    expect(optimize(c).encode().byteLength).toBe(8192);
    expect(c.firstAbsent(0)).toBe(1);
    expect(optimize(c).firstAbsent(65_534)).toBe(65_535);
  });

  it("refuses damaged records", () => {
    expect(() => decodeContainer("bitmap", new Uint8Array(100))).toThrow(RangeError);
    expect(() => decodeContainer("run", new Uint8Array([2, 0, 0, 0]))).toThrow(RangeError);
  });
});

function reencode(c: Container, kind: "array" | "bitmap" | "run"): Uint8Array {
  if (kind === "bitmap") return BitmapContainer.fromRuns(c.runs()).encode();
  if (kind === "run") return new RunContainer(c.runs().map((r) => r[0]), c.runs().map((r) => r[1])).encode();
  const values: number[] = [];
  for (const [s, e] of c.runs()) for (let v = s; v <= e; v++) values.push(v);
  return new ArrayContainer(values).encode();
}

describe("a shard's bitmap", () => {
  it("hands out ids in order, leases blocks as they fill, and keeps only open blocks in memory", () => {
    const b = new ShardBitmap(0);
    for (let i = 0; i < BLOCK_SIZE + 5; i++) b.take();
    expect(b.leasedBlocks).toBe(2);
    const stored = b.drain();
    expect(stored.map((s) => [s.block, s.container.cardinality])).toEqual([
      [0, BLOCK_SIZE],
      [1, 5],
    ]);
    expect(b.footprint()).toEqual({ openBlocks: 1, bytes: 6 });
    expect(b.has(0, 12_345)).toBe(true);
    expect(b.has(1, 5)).toBe(false);
    expect(b.has(2, 0)).toBe(false);
  });

  it("reuses the lowest freed id first, even in a block that had left memory", () => {
    const b = new ShardBitmap(3, [{ block: 2, container: new RunContainer([0], [9]) }]);
    b.clear(1, 500);
    expect(b.has(1, 500)).toBe(false);
    expect(b.take()).toEqual({ block: 1, offset: 500 });
    expect(b.take()).toEqual({ block: 2, offset: 10 });
    b.set(2, 11);
    expect(b.take()).toEqual({ block: 2, offset: 12 });
    expect(() => b.clear(3, 0)).toThrow(RangeError);
    expect(() => b.set(7, 0)).toThrow(RangeError);
  });

  it("restores ids beyond what it leased: the blocks before them are leased empty and filled first", () => {
    const b = new ShardBitmap(0);
    b.restore(2, 5);
    expect(b.leasedBlocks).toBe(3);
    expect(b.has(2, 5)).toBe(true);
    expect(b.has(1, 0)).toBe(false);
    expect(b.take()).toEqual({ block: 0, offset: 0 });
    expect(b.drain().map((s) => [s.block, s.container.cardinality])).toEqual([
      [0, 1],
      [1, 0],
      [2, 1],
    ]);
    expect(() => b.restore(BLOCKS_PER_SHARD, 0)).toThrow(RangeError);
  });

  it("refuses to lease past the end of the space and to load blocks beyond what was leased", () => {
    const full = new ShardBitmap(BLOCKS_PER_SHARD);
    expect(() => full.take()).toThrow(/no blocks left/);
    expect(() => new ShardBitmap(1, [{ block: 1, container: new RunContainer() }])).toThrow(RangeError);
  });
});
