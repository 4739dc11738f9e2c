import { ID_SPACE } from "./link-codec";

/**
 * How an allocator integer is built, from the low bits up:
 *
 *   seq = block · 2^24 + shard · 2^16 + offset      (offset 16 bits, shard 8 bits, block the rest)
 *
 * A block is 65,536 consecutive ids (one Roaring container). The shard sits *below* the block number,
 * so every shard owns every 256th block of the whole space and can lease blocks on its own, forever:
 * adding shards later (up to 256) only starts using blocks nobody could have handed out, and any id
 * names its shard, so `isAllocated(seq)` is routed without a lookup.
 */
export const OFFSET_BITS = 16;
export const SHARD_BITS = 8;
export const BLOCK_SIZE = 2 ** OFFSET_BITS; // 65,536
export const MAX_SHARDS = 2 ** SHARD_BITS; // 256
const STRIDE = BLOCK_SIZE * MAX_SHARDS; // 2^24 ids between two blocks of one shard
/** Blocks per shard that lie wholly inside the 7-char link space: 209,904 (≈1.4·10^10 ids a shard). */
export const BLOCKS_PER_SHARD = Math.floor(ID_SPACE / STRIDE);
/** Every allocator integer is below this; the few link-space values above it are never handed out. */
export const SEQ_LIMIT = BLOCKS_PER_SHARD * STRIDE;

export interface SeqParts {
  shard: number;
  block: number;
  offset: number;
}

export function composeSeq({ shard, block, offset }: SeqParts): number {
  if (!isIndex(shard, MAX_SHARDS) || !isIndex(block, BLOCKS_PER_SHARD) || !isIndex(offset, BLOCK_SIZE)) {
    throw new RangeError(`no id for shard ${shard}, block ${block}, offset ${offset}`);
  }
  return block * STRIDE + shard * BLOCK_SIZE + offset;
}

/** The parts of an allocator integer; throws for values no shard can ever hand out. */
export function splitSeq(seq: number): SeqParts {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= SEQ_LIMIT) throw new RangeError(`not an allocator id: ${seq}`);
  const block = Math.floor(seq / STRIDE);
  const rest = seq - block * STRIDE;
  return { block, shard: rest >>> OFFSET_BITS, offset: rest & (BLOCK_SIZE - 1) };
}

export function shardOf(seq: number): number {
  return splitSeq(seq).shard;
}

/** The Durable Object name of a shard; shard 0 keeps the name the single allocator had. */
export function shardName(shard: number): string {
  if (!isIndex(shard, MAX_SHARDS)) throw new RangeError(`no shard ${shard}`);
  return `shard-${shard}`;
}

function isIndex(n: number, size: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < size;
}
