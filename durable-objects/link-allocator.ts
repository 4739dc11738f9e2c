import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { composeSeq, MAX_SHARDS, SEQ_LIMIT, splitSeq } from "../core/link-layout";
import { ShardBitmap } from "../core/link-roaring";
import { LinkStore } from "./link-store";

/** An allocator integer as it crosses the RPC boundary. */
export const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const ShardIndex = z.number().int().min(0).max(MAX_SHARDS - 1);
/** Batches stay small: one call is one synchronous transaction and holds the object's input gate. */
export const MAX_BATCH = 1024;
export const AllocateRequest = z.object({ shard: ShardIndex, count: z.number().int().min(1).max(MAX_BATCH).default(1) });
export type AllocateRequest = z.input<typeof AllocateRequest>;
const SeqBatch = z.union([Seq.transform((s) => [s]), z.array(Seq).max(MAX_BATCH)]);
const PendingQuery = z.object({ olderThanMs: z.number().int().nonnegative(), limit: z.number().int().min(1).max(MAX_BATCH) });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RangeError(`bad allocator argument: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface ShardStats {
  shard: number | null;
  leasedBlocks: number;
  openBlocks: number;
  /** Stored size of the containers held in memory. */
  memoryBytes: number;
  pending: number;
  /** The object's SQLite database, pages included. */
  storedBytes: number;
}

/**
 * One shard of the link allocator. It owns every 256th block of the id space (see core/link-layout.ts),
 * leases them in order and tracks used ids in a Roaring bitmap, one container per block.
 *
 * Lifecycle of an id: `allocate()` marks it used and in flight → `commit()` once the image is recorded
 * (a published id is never reused), or `release()` when its upload failed (the id was never published,
 * so it is handed out again, lowest first). Every method is synchronous: Durable Object input gates run
 * one call at a time, and each call's SQLite writes commit together before its answer leaves (output
 * gate), so no two callers — nor an object restarted from storage — ever see the same free id.
 */
export class LinkAllocator extends DurableObject<Env> {
  private readonly store: LinkStore;
  private bitmap = new ShardBitmap(0);
  private shard: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LinkStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.store.migrate());
      this.load();
    });
  }

  /** `count` fresh ids of this shard (default one), ascending. The first call pins the shard number. */
  allocate(request: AllocateRequest): number[] {
    const { shard, count } = parse(AllocateRequest, request);
    return this.mutate(() => {
      if (this.shard === undefined) {
        this.store.pinShard(shard);
        this.shard = shard;
      } else if (this.shard !== shard) throw new RangeError(`this object is shard ${this.shard}, not ${shard}`);
      const now = Date.now();
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const seq = composeSeq({ shard, ...this.bitmap.take() });
        this.store.addPending(seq, now);
        out.push(seq);
      }
      this.store.saveBlocks(this.bitmap.drain());
      return out;
    });
  }

  /** Marks ids published: they will never be handed out again. */
  commit(seqs: number | number[]): void {
    const list = parse(SeqBatch, seqs);
    this.mutate(() => {
      for (const seq of list) {
        const { block, offset } = this.own(seq);
        this.store.takePending(seq);
        this.bitmap.set(block, offset);
      }
      this.store.saveBlocks(this.bitmap.drain());
    });
  }

  /** Returns ids whose upload failed before publication. Committed and free ids are left alone. */
  release(seqs: number | number[]): void {
    const list = parse(SeqBatch, seqs);
    this.mutate(() => {
      for (const seq of list) {
        const { block, offset } = this.own(seq);
        if (this.store.takePending(seq)) this.bitmap.clear(block, offset);
      }
      this.store.saveBlocks(this.bitmap.drain());
    });
  }

  /** True for ids handed out (in flight or committed) and not released. Answered from memory. */
  isAllocated(seq: number): boolean {
    const n = parse(Seq, seq);
    if (n >= SEQ_LIMIT) return false;
    const { shard, block, offset } = splitSeq(n);
    return shard === this.shard && this.bitmap.has(block, offset);
  }

  /** Ids in flight (allocated, neither committed nor released) for at least `olderThanMs`, oldest first. */
  pending(olderThanMs = 0, limit = 100): number[] {
    const q = parse(PendingQuery, { olderThanMs, limit });
    return this.store.pending(Date.now() - q.olderThanMs, q.limit);
  }

  stats(): ShardStats {
    const { openBlocks, bytes } = this.bitmap.footprint();
    return {
      shard: this.shard ?? null,
      leasedBlocks: this.bitmap.leasedBlocks,
      openBlocks,
      memoryBytes: bytes,
      pending: this.store.pendingCount(),
      storedBytes: this.ctx.storage.sql.databaseSize,
    };
  }

  /** The block and offset of an id this shard leased; anything else is a caller's routing bug. */
  private own(seq: number): { block: number; offset: number } {
    const { shard, block, offset } = splitSeq(seq);
    if (shard !== this.shard || block >= this.bitmap.leasedBlocks) throw new RangeError(`id ${seq} was not leased by this shard`);
    return { block, offset };
  }

  /** Runs `fn` as one SQLite transaction; if it throws, memory is reloaded from the rolled-back tables. */
  private mutate<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.load();
      throw err;
    }
  }

  private load(): void {
    const { leased, open } = this.store.load();
    this.bitmap = new ShardBitmap(leased, open);
    this.shard = this.store.shard();
  }
}
