import { describe, expect, it } from "vitest";
import { ID_SPACE } from "../../core/link-codec";
import { BLOCK_SIZE, BLOCKS_PER_SHARD, composeSeq, MAX_SHARDS, SEQ_LIMIT, shardName, shardOf, splitSeq } from "../../core/link-layout";

describe("allocator id layout", () => {
  it("round-trips shard, block and offset, edges included", () => {
    const edges = [0, 1, BLOCK_SIZE - 1];
    for (const shard of [0, 1, 3, MAX_SHARDS - 1])
      for (const block of [0, 1, 12_345, BLOCKS_PER_SHARD - 1])
        for (const offset of edges) {
          const seq = composeSeq({ shard, block, offset });
          expect(seq).toBeLessThan(ID_SPACE);
          expect(splitSeq(seq)).toEqual({ shard, block, offset });
        }
  });

  it("gives every shard its own ids: no two (shard, block, offset) share an integer", () => {
    const seen = new Set<number>();
    for (let shard = 0; shard < MAX_SHARDS; shard += 17)
      for (let block = 0; block < 40; block++)
        for (let offset = 0; offset < BLOCK_SIZE; offset += 4099) seen.add(composeSeq({ shard, block, offset }));
    expect(seen.size).toBe(Math.ceil(MAX_SHARDS / 17) * 40 * Math.ceil(BLOCK_SIZE / 4099));
  });

  it("keeps shard 0's first block where the single allocator numbered from", () => {
    expect(composeSeq({ shard: 0, block: 0, offset: 41 })).toBe(41);
    expect(shardOf(BLOCK_SIZE)).toBe(1);
    expect(shardName(0)).toBe("shard-0");
  });

  it("uses nearly all of the 7-character link space", () => {
    expect(SEQ_LIMIT).toBeLessThanOrEqual(ID_SPACE);
    expect(ID_SPACE - SEQ_LIMIT).toBeLessThan(BLOCK_SIZE * MAX_SHARDS);
    expect(BLOCKS_PER_SHARD).toBe(209_904);
  });

  it("refuses parts and integers outside the layout", () => {
    expect(() => composeSeq({ shard: MAX_SHARDS, block: 0, offset: 0 })).toThrow(RangeError);
    expect(() => composeSeq({ shard: 0, block: BLOCKS_PER_SHARD, offset: 0 })).toThrow(RangeError);
    expect(() => composeSeq({ shard: 0, block: 0, offset: BLOCK_SIZE })).toThrow(RangeError);
    expect(() => composeSeq({ shard: 0.5, block: 0, offset: 0 })).toThrow(RangeError);
    expect(() => splitSeq(SEQ_LIMIT)).toThrow(RangeError);
    expect(() => splitSeq(-1)).toThrow(RangeError);
    expect(() => shardName(-1)).toThrow(RangeError);
  });
});
