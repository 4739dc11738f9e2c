import { BLOCK_SIZE, BLOCKS_PER_SHARD } from "./link-layout";
import { RunContainer, type Container } from "./link-roaring-container";
import { optimize } from "./link-roaring-codec";

/** A block's container as it is stored, already in its smallest layout. */
export interface BlockState {
  block: number;
  container: Container;
}

/**
 * One shard's used ids: a Roaring bitmap keyed by block number, each block one container.
 *
 * Blocks are leased in order (0, 1, 2, …) and filled from the lowest free id up, so all but the last
 * block or two are full. Full blocks are not kept in memory at all — every block below `leased` that
 * has no container here is full — which is what keeps a shard's memory in kilobytes after years of
 * allocations. A block that gets an id back (a release) is reloaded as one run and reused first.
 */
export class ShardBitmap {
  private readonly open: Map<number, Container>;
  private readonly dirty = new Set<number>();

  /** `open` holds every leased block that is not full; `leased` is the count of blocks leased so far. */
  constructor(
    private leased: number,
    open: Iterable<BlockState> = [],
  ) {
    this.open = new Map([...open].map((s) => [s.block, s.container]));
    for (const block of this.open.keys()) if (block >= leased) throw new RangeError(`block ${block} beyond the leased ${leased}`);
  }

  get leasedBlocks() {
    return this.leased;
  }

  has(block: number, offset: number): boolean {
    if (block >= this.leased) return false;
    return this.open.get(block)?.has(offset) ?? true;
  }

  /** Marks and returns the lowest free id of the lowest block with room, leasing a block when none has. */
  take(): { block: number; offset: number } {
    let block = -1;
    for (const [b, c] of this.open) if (c.cardinality < BLOCK_SIZE && (block < 0 || b < block)) block = b;
    if (block < 0) {
      if (this.leased >= BLOCKS_PER_SHARD) throw new RangeError("this shard has no blocks left");
      block = this.leased++;
      this.open.set(block, new RunContainer());
    }
    const container = this.open.get(block)!;
    const offset = container.firstAbsent(0);
    this.open.set(block, container.add(offset));
    this.dirty.add(block);
    return { block, offset };
  }

  /** Marks an id used (a published id found free, which must never be handed out). */
  set(block: number, offset: number): void {
    if (block >= this.leased) throw new RangeError(`block ${block} was never leased`);
    const container = this.open.get(block);
    if (!container || container.has(offset)) return;
    this.open.set(block, container.add(offset));
    this.dirty.add(block);
  }

  /**
   * Marks an id used even in a block never leased here (rebuilding a lost shard from the ids its
   * images still carry): the blocks up to it are leased, empty, so they are filled first.
   */
  restore(block: number, offset: number): void {
    if (block >= BLOCKS_PER_SHARD) throw new RangeError(`no block ${block}`);
    for (; this.leased <= block; this.leased++) {
      this.open.set(this.leased, new RunContainer());
      this.dirty.add(this.leased);
    }
    this.set(block, offset);
  }

  /** Frees an id so it is handed out again. */
  clear(block: number, offset: number): void {
    if (block >= this.leased) throw new RangeError(`block ${block} was never leased`);
    const container = this.open.get(block) ?? new RunContainer([0], [BLOCK_SIZE - 1]);
    if (!container.has(offset)) return;
    this.open.set(block, container.remove(offset));
    this.dirty.add(block);
  }

  /**
   * The blocks changed since the last call, in their smallest layout, for the caller to store. Blocks
   * that became full leave memory here (they are implied by `leased` from now on).
   */
  drain(): BlockState[] {
    const out: BlockState[] = [];
    for (const block of this.dirty) {
      const container = optimize(this.open.get(block)!);
      if (container.cardinality === BLOCK_SIZE) this.open.delete(block);
      else this.open.set(block, container);
      out.push({ block, container });
    }
    this.dirty.clear();
    return out;
  }

  /** Blocks held in memory and their stored size in bytes (the shard's working set). */
  footprint(): { openBlocks: number; bytes: number } {
    let bytes = 0;
    for (const c of this.open.values()) bytes += c.encode().byteLength;
    return { openBlocks: this.open.size, bytes };
  }
}
